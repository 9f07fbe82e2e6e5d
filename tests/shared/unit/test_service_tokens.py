"""A service process checks every token against its trust's configuration."""

from __future__ import annotations

import pytest

from shared.auth import Role, TokenRejected, TokenVerifier, mint_token
from shared.runtime import create_app
from shared.services import definition
from shared.settings import PlatformSettings
from shared.trust import load_trust_config


def test_a_service_refuses_tokens_naming_a_locality_or_agency_its_trust_lacks() -> None:
    settings = PlatformSettings(log_format="text")
    trust = load_trust_config(None)
    app = create_app(definition("projects"), settings)
    verifier = app.state.token_verifier
    assert isinstance(verifier, TokenVerifier)
    unchecked = settings.auth(trust.id)
    locality = mint_token(unchecked, "m", [Role.LOCAL_BOARD_MEMBER], locality="atlantis")
    agency = mint_token(unchecked, "p", [Role.AGENCY_PUBLISHER], agency="acme-data")
    known = mint_token(unchecked, "m", [Role.LOCAL_BOARD_MEMBER], locality="easington")

    with pytest.raises(TokenRejected, match="'locality' names 'atlantis', unknown to the trust"):
        verifier.verify(locality)
    with pytest.raises(TokenRejected, match="'agency' names 'acme-data', unknown to the trust"):
        verifier.verify(agency)
    assert verifier.verify(known).locality == "easington"
