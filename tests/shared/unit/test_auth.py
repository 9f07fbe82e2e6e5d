"""Specification of who may call the platform and what they may see (shared/auth/)."""

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from shared.auth import (
    DEVELOPMENT_ONLY_SECRET,
    AuthSettings,
    Principal,
    Role,
    TokenRejected,
    TokenVerifier,
    current_principal,
    mint_token,
    require_locality_access,
    require_roles,
)

SETTINGS = AuthSettings(issuer="durham-idp", audience="commissioning", trust="county-durham")
KID = "durham-2026-01"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": "officer-1",
        "roles": ["commissioning_officer"],
        "trust": "county-durham",
        "iss": "durham-idp",
        "aud": "commissioning",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _hs256(claims: dict[str, Any], secret: str = DEVELOPMENT_ONLY_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_signed(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """Build a token without PyJWT's guard rails, as an attacker would."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def _rejection(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as rejected:
        verifier.verify(token)
    assert rejected.value.field == "Authorization"
    return rejected.value.rule


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture()
def jwks_settings(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> AuthSettings:
    public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True)
    public_jwk.update({"kid": KID, "use": "sig", "alg": "RS256"})
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [public_jwk]}), encoding="utf-8")
    return AuthSettings(
        mode="jwks",
        jwks_file=jwks_file,
        issuer="durham-idp",
        audience="commissioning",
        trust="county-durham",
    )


class TestSharedSecretTokens:
    verifier = TokenVerifier(SETTINGS)

    def test_a_valid_token_names_the_caller_and_their_roles(self) -> None:
        token = mint_token(
            SETTINGS, "lcb-easington-chair", [Role.LOCAL_BOARD_MEMBER], locality="easington"
        )

        principal = self.verifier.verify(token)

        assert principal == Principal(
            subject="lcb-easington-chair",
            roles=frozenset({Role.LOCAL_BOARD_MEMBER}),
            locality="easington",
            trust="county-durham",
        )

    @pytest.mark.parametrize(
        "times",
        [{"exp": 10**30}, {"iat": -(10**20)}, {"iat": -1e308, "exp": 1e308}],
        ids=["exp-10e30", "iat-far-past", "infinite-span"],
    )
    def test_a_signed_token_with_a_time_claim_out_of_range_is_rejected(
        self, times: dict[str, Any]
    ) -> None:
        token = _hs256({**_claims(), **times}, secret=SETTINGS.secret.get_secret_value())

        assert _rejection(self.verifier, token) == "bearer token has a time claim out of range"

    def test_an_expired_token_is_rejected_as_expired(self) -> None:
        token = mint_token(
            SETTINGS,
            "officer-1",
            [Role.COMMISSIONING_OFFICER],
            issued_at=datetime.now(UTC) - timedelta(hours=9),
        )

        assert _rejection(self.verifier, token) == "bearer token expired"

    def test_a_token_for_another_audience_is_rejected(self) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(aud="another-service")))

        assert "audience" in rule

    def test_a_token_from_another_issuer_is_rejected(self) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(iss="someone-else")))

        assert "issuer" in rule

    def test_a_token_signed_with_another_secret_is_rejected(self) -> None:
        token = _hs256(_claims(), secret="a-different-but-long-enough-secret-0123456789")

        assert _rejection(self.verifier, token) == "bearer token signature does not verify"

    def test_an_unsigned_alg_none_token_is_rejected(self) -> None:
        token = _hand_signed({"alg": "none", "typ": "JWT"}, _claims(), key=None)

        assert "'none' not accepted" in _rejection(self.verifier, token)

    @pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub"])
    def test_a_token_without_a_registered_claim_is_rejected(self, claim: str) -> None:
        claims = _claims()
        del claims[claim]

        rule = _rejection(self.verifier, _hs256(claims))

        assert claim in rule

    @pytest.mark.parametrize(
        ("role", "claim"),
        [
            ("local_board_member", "locality"),
            ("provider", "provider_id"),
            ("agency_publisher", "agency"),
        ],
    )
    def test_a_scoped_role_without_its_scope_claim_is_rejected(self, role: str, claim: str) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(roles=[role])))

        assert rule == f"role {role} requires claim '{claim}'"

    def test_a_token_with_an_unknown_role_is_rejected(self) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(roles=["jcu", "superuser"])))

        assert rule == "claim 'roles' has unknown role 'superuser'"

    def test_a_token_for_another_trust_is_rejected(self) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(trust="gateshead")))

        assert rule == "claim 'trust' must be 'county-durham'"

    def test_minting_refuses_a_scoped_role_without_its_scope(self) -> None:
        with pytest.raises(ValueError, match="locality"):
            mint_token(SETTINGS, "lcb-member", [Role.LOCAL_BOARD_MEMBER])


class TestRs256TokensFromAJwksFile:
    def test_a_token_signed_by_the_identity_provider_is_accepted(
        self, rsa_key: rsa.RSAPrivateKey, jwks_settings: AuthSettings
    ) -> None:
        token = jwt.encode(
            _claims(roles=["provider"], provider_id="barnardos-ne"),
            rsa_key,
            algorithm="RS256",
            headers={"kid": KID},
        )

        principal = TokenVerifier(jwks_settings).verify(token)

        assert principal.roles == {Role.PROVIDER}
        assert principal.provider_id == "barnardos-ne"

    def test_a_token_naming_an_unknown_key_id_is_rejected(
        self, rsa_key: rsa.RSAPrivateKey, jwks_settings: AuthSettings
    ) -> None:
        token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": "retired"})

        assert (
            _rejection(TokenVerifier(jwks_settings), token) == "no signing key with kid 'retired'"
        )

    def test_a_token_signed_by_another_rsa_key_is_rejected(
        self, jwks_settings: AuthSettings
    ) -> None:
        impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(_claims(), impostor, algorithm="RS256", headers={"kid": KID})

        assert (
            _rejection(TokenVerifier(jwks_settings), token)
            == "bearer token signature does not verify"
        )

    def test_an_hs256_token_keyed_with_the_public_key_is_rejected_alg_confusion(
        self, rsa_key: rsa.RSAPrivateKey, jwks_settings: AuthSettings
    ) -> None:
        public_pem = rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        token = _hand_signed({"alg": "HS256", "typ": "JWT", "kid": KID}, _claims(), key=public_pem)

        rule = _rejection(TokenVerifier(jwks_settings), token)

        assert rule == "bearer token algorithm 'HS256' not accepted; use RS256"

    def test_an_rs256_token_is_rejected_by_a_shared_secret_verifier(
        self, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": KID})

        assert "not accepted; use HS256" in _rejection(TokenVerifier(SETTINGS), token)

    def test_tokens_cannot_be_minted_locally_in_jwks_mode(
        self, jwks_settings: AuthSettings
    ) -> None:
        with pytest.raises(ValueError, match="shared-secret"):
            mint_token(jwks_settings, "officer-1", [Role.JCU])


class TestAuthSettings:
    def test_the_development_secret_is_refused_in_production(self) -> None:
        with pytest.raises(ValidationError, match="development-only default secret"):
            AuthSettings(environment="production")

    def test_a_real_secret_is_accepted_in_production(self) -> None:
        settings = AuthSettings(environment="production", secret=SecretStr("x" * 48))

        assert settings.algorithm == "HS256"

    def test_a_short_secret_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="at least 32 bytes"):
            AuthSettings(secret=SecretStr("too-short"))

    def test_jwks_mode_needs_a_url_or_a_file(self) -> None:
        with pytest.raises(ValidationError, match="exactly one"):
            AuthSettings(mode="jwks")


class TestLocalityVisibility:
    def test_a_local_board_member_sees_only_their_own_locality(self) -> None:
        member = Principal(
            subject="lcb-1",
            roles=frozenset({Role.LOCAL_BOARD_MEMBER}),
            locality="easington",
            trust="county-durham",
        )

        assert member.can_see_locality("easington")
        assert not member.can_see_locality("derwentside")

    @pytest.mark.parametrize(
        "role", [Role.EXECUTIVE_BOARD, Role.JCU, Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER]
    )
    def test_trust_wide_roles_see_every_locality(self, role: Role) -> None:
        principal = Principal(subject="p", roles=frozenset({role}), trust="county-durham")

        assert principal.can_see_locality("easington")
        assert principal.can_see_locality("derwentside")

    def test_providers_and_agency_publishers_see_no_locality(self) -> None:
        provider = Principal(
            subject="p",
            roles=frozenset({Role.PROVIDER, Role.AGENCY_PUBLISHER}),
            provider_id="barnardos-ne",
            agency="durham-constabulary",
            trust="county-durham",
        )

        assert not provider.can_see_locality("easington")

    def test_a_principal_cannot_hold_a_scoped_role_without_its_scope(self) -> None:
        with pytest.raises(ValidationError, match="local_board_member requires locality"):
            Principal(
                subject="p", roles=frozenset({Role.LOCAL_BOARD_MEMBER}), trust="county-durham"
            )


@pytest.fixture()
def client() -> Iterator[TestClient]:
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(SETTINGS)

    @app.get("/whoami")
    def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.get("/annual-commissioning-plan")
    def plan(
        principal: Annotated[Principal, Depends(require_roles(Role.JCU, Role.EXECUTIVE_BOARD))],
    ) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.get("/localities/{locality}/needs")
    def needs(
        locality: str, principal: Annotated[Principal, Depends(require_locality_access)]
    ) -> dict[str, str]:
        return {"locality": locality}

    with TestClient(app) as test_client:
        yield test_client


def _bearer(
    roles: list[Role], *, locality: str | None = None, provider_id: str | None = None
) -> dict[str, str]:
    token = mint_token(SETTINGS, "someone", roles, locality=locality, provider_id=provider_id)
    return {"Authorization": f"Bearer {token}"}


class TestFastApiDependencies:
    def test_a_request_without_a_token_gets_401_with_a_bearer_challenge(
        self, client: TestClient
    ) -> None:
        response = client.get("/whoami")

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json() == {
            "detail": {"field": "Authorization", "rule": "bearer token required"}
        }

    def test_a_request_with_basic_auth_is_told_to_use_bearer(self, client: TestClient) -> None:
        response = client.get("/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})

        assert response.status_code == 401
        assert "Bearer" in response.json()["detail"]["rule"]

    def test_an_expired_token_gets_401_naming_the_problem(self, client: TestClient) -> None:
        token = mint_token(
            SETTINGS, "officer-1", [Role.JCU], issued_at=datetime.now(UTC) - timedelta(days=1)
        )

        response = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert response.json() == {
            "detail": {"field": "Authorization", "rule": "bearer token expired"}
        }

    def test_a_caller_without_the_required_role_gets_403_naming_the_roles(
        self, client: TestClient
    ) -> None:
        response = client.get(
            "/annual-commissioning-plan",
            headers=_bearer([Role.PROVIDER], provider_id="barnardos-ne"),
        )

        assert response.status_code == 403
        assert response.json() == {
            "detail": {"field": "roles", "rule": "requires one of: jcu, executive_board"}
        }

    def test_a_caller_with_the_required_role_gets_200(self, client: TestClient) -> None:
        response = client.get("/annual-commissioning-plan", headers=_bearer([Role.JCU]))

        assert response.status_code == 200
        assert response.json() == {"subject": "someone"}

    def test_a_local_board_member_reads_their_own_locality(self, client: TestClient) -> None:
        headers = _bearer([Role.LOCAL_BOARD_MEMBER], locality="easington")

        assert client.get("/localities/easington/needs", headers=headers).status_code == 200

    def test_a_local_board_member_cannot_read_another_locality(self, client: TestClient) -> None:
        headers = _bearer([Role.LOCAL_BOARD_MEMBER], locality="easington")

        response = client.get("/localities/derwentside/needs", headers=headers)

        assert response.status_code == 403
        assert response.json()["detail"] == {
            "field": "locality",
            "rule": "no access to locality 'derwentside'",
        }

    def test_the_jcu_reads_any_locality(self, client: TestClient) -> None:
        response = client.get("/localities/derwentside/needs", headers=_bearer([Role.JCU]))

        assert response.status_code == 200


TRUST_SETTINGS = AuthSettings(
    issuer="durham-idp",
    audience="commissioning",
    trust="county-durham",
    localities=frozenset({"easington", "derwentside"}),
    agencies=frozenset({"durham-cc", "cdd-pct"}),
)


class TestSubjectScopeAndLifetime:
    """A token names a real caller, a scope the trust has, and lives at most a working day."""

    verifier = TokenVerifier(TRUST_SETTINGS)

    @pytest.mark.parametrize("subject", ["", "   "])
    def test_a_token_with_an_empty_subject_is_rejected(self, subject: str) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(sub=subject)))

        assert rule == "claim 'sub' must be a non-empty string"

    def test_a_token_with_an_empty_subject_gets_401_not_500(self) -> None:
        app = FastAPI()
        app.state.token_verifier = self.verifier

        @app.get("/whoami")
        def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> str:
            return principal.subject

        with TestClient(app) as test_client:
            response = test_client.get(
                "/whoami", headers={"Authorization": f"Bearer {_hs256(_claims(sub=''))}"}
            )

        assert response.status_code == 401
        assert response.json()["detail"] == {
            "field": "Authorization",
            "rule": "claim 'sub' must be a non-empty string",
        }

    def test_a_token_naming_a_locality_the_trust_does_not_have_is_rejected(self) -> None:
        claims = _claims(roles=["local_board_member"], locality="atlantis")

        rule = _rejection(self.verifier, _hs256(claims))

        assert rule == "claim 'locality' names 'atlantis', unknown to the trust"

    def test_a_token_naming_an_agency_the_trust_does_not_have_is_rejected(self) -> None:
        claims = _claims(roles=["agency_publisher"], agency="acme-data")

        rule = _rejection(self.verifier, _hs256(claims))

        assert rule == "claim 'agency' names 'acme-data', unknown to the trust"

    def test_a_trust_wide_role_naming_an_unknown_locality_is_rejected_too(self) -> None:
        rule = _rejection(self.verifier, _hs256(_claims(roles=["jcu"], locality="atlantis")))

        assert "unknown to the trust" in rule

    def test_a_token_for_a_known_locality_and_agency_is_accepted(self) -> None:
        token = mint_token(
            TRUST_SETTINGS,
            "both",
            [Role.LOCAL_BOARD_MEMBER, Role.AGENCY_PUBLISHER],
            locality="easington",
            agency="durham-cc",
        )

        principal = self.verifier.verify(token)

        assert (principal.locality, principal.agency) == ("easington", "durham-cc")

    def test_a_token_living_longer_than_the_maximum_is_rejected(self) -> None:
        now = datetime.now(UTC)
        claims = _claims(
            iat=int(now.timestamp()), exp=int((now + timedelta(hours=12, seconds=1)).timestamp())
        )

        rule = _rejection(self.verifier, _hs256(claims))

        assert rule.startswith("bearer token lifetime (exp - iat) of 12:00:01 exceeds")

    def test_a_token_living_exactly_the_maximum_is_accepted(self) -> None:
        token = mint_token(TRUST_SETTINGS, "officer-1", ["jcu"], ttl=timedelta(hours=12))

        assert self.verifier.verify(token).subject == "officer-1"

    def test_the_maximum_lifetime_is_a_setting(self) -> None:
        short = TRUST_SETTINGS.model_copy(update={"max_token_lifetime": timedelta(hours=1)})
        token = mint_token(TRUST_SETTINGS, "officer-1", ["jcu"], ttl=timedelta(hours=2))

        assert "exceeds the maximum of 1:00:00" in _rejection(TokenVerifier(short), token)

    def test_minting_refuses_what_verification_would_reject(self) -> None:
        with pytest.raises(ValueError, match="subject"):
            mint_token(TRUST_SETTINGS, " ", ["jcu"])
        with pytest.raises(ValueError, match="ttl"):
            mint_token(TRUST_SETTINGS, "officer-1", ["jcu"], ttl=timedelta(hours=13))
        with pytest.raises(ValueError, match="locality: 'atlantis' is unknown"):
            mint_token(TRUST_SETTINGS, "m", [Role.LOCAL_BOARD_MEMBER], locality="atlantis")
