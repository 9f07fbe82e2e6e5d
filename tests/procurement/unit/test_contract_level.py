"""Who will watch a started contract, as ContractStarted tells monitoring: the JCU a
specialist or multi-locality contract, the locality's board a contract delivered in one
locality (Durham framework, section 3, roles table, "Monitor contract")."""

from __future__ import annotations

from services.procurement.application.contracts import level_of
from shared.contracts.procurement import ContractLevel


def test_a_contract_in_one_locality_is_local() -> None:
    assert level_of(False, ("easington",)) is ContractLevel.LOCAL


def test_a_contract_in_several_localities_is_trust_wide() -> None:
    assert level_of(False, ("easington", "derwentside")) is ContractLevel.TRUST_WIDE


def test_a_specialist_contract_is_specialist_wherever_it_is_delivered() -> None:
    assert level_of(True, ("easington",)) is ContractLevel.SPECIALIST
