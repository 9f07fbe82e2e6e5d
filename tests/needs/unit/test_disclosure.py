"""Specification of small-number suppression for published needs breakdowns.

Rules from docs/domain/needs-disclosure.md: NHS Digital (2018) suppresses counts 1-7
and rounds all other sub-national counts to the nearest 5; the older rule suppresses 1-5
with secondary suppression; secure research environments use 10. Whatever the rule, no published
cell may be recoverable from totals.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.needs.domain.disclosure import (
    NHS_DIGITAL,
    SECURE_RESEARCH_TEN,
    SUPPRESS_ONE_TO_FIVE,
    AdditiveGroup,
    DisclosedCount,
    Release,
    SuppressionReason,
    SuppressionRule,
    breakdown_groups,
    cross_tabulation_groups,
    disclose_count,
    disclose_table,
    may_publish_derived,
    recoverable_cells,
)

TOTAL = "Total"
RULES = [NHS_DIGITAL, SUPPRESS_ONE_TO_FIVE, SECURE_RESEARCH_TEN]

Cell = tuple[str, str]


def cross_table(body: list[list[int]]) -> tuple[dict[Cell, int], list[str], list[str]]:
    """A two-way table with row, column and grand totals under "Total"."""
    rows = [f"r{i}" for i in range(len(body))]
    columns = [f"c{j}" for j in range(len(body[0]))]
    counts: dict[Cell, int] = {}
    for row, values in zip(rows, body, strict=True):
        for column, value in zip(columns, values, strict=True):
            counts[(row, column)] = value
        counts[(row, TOTAL)] = sum(values)
    for j, column in enumerate(columns):
        counts[(TOTAL, column)] = sum(values[j] for values in body)
    counts[(TOTAL, TOTAL)] = sum(map(sum, body))
    return counts, rows, columns


def bridges(hidden: set[Cell]) -> set[Cell]:
    """Hidden cells on no cycle of the rows-columns graph of hidden cells.

    Independent oracle for two-way tables with margins: each cell is an edge between its
    row and its column (margins included), every equation is a vertex, so a hidden cell is
    pinned by the shown ones exactly when its edge is a bridge.
    """
    found = set()
    for cell in hidden:
        edges = hidden - {cell}
        reached, frontier = {("row", cell[0])}, [("row", cell[0])]
        while frontier:
            kind, name = frontier.pop()
            for row, column in edges:
                if kind == "row" and row == name:
                    step = ("column", column)
                elif kind == "column" and column == name:
                    step = ("row", row)
                else:
                    continue
                if step not in reached:
                    reached.add(step)
                    frontier.append(step)
        if ("column", cell[1]) not in reached:
            found.add(cell)
    return found


def hidden_cells(disclosed: Mapping[Cell, DisclosedCount]) -> set[Cell]:
    return {key for key, cell in disclosed.items() if cell.is_suppressed}


# --------------------------------------------------------------------------------------
# Primary suppression and rounding
# --------------------------------------------------------------------------------------


class TestNhsDigitalRule:
    @pytest.mark.parametrize("count", range(1, 8))
    def test_counts_one_to_seven_are_suppressed(self, count: int) -> None:
        assert disclose_count(count) == DisclosedCount(None, SuppressionReason.PRIMARY)

    def test_zero_is_shown_as_zero(self) -> None:
        assert disclose_count(0) == DisclosedCount(0)

    @pytest.mark.parametrize(
        ("count", "shown"),
        [(8, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (1234, 1235)],
    )
    def test_other_counts_are_rounded_to_the_nearest_five(self, count: int, shown: int) -> None:
        assert disclose_count(count).shown == shown

    @pytest.mark.parametrize("count", [3, 12])
    def test_national_figures_are_neither_suppressed_nor_rounded(self, count: int) -> None:
        assert disclose_count(count, national=True) == DisclosedCount(count)

    def test_suppressed_counts_print_as_the_symbol(self) -> None:
        assert disclose_count(4).as_text() == "*"
        assert disclose_count(13).as_text() == "15"

    @given(st.integers(min_value=0, max_value=10**6))
    def test_nothing_shown_is_small_and_everything_shown_is_a_multiple_of_five(
        self, count: int
    ) -> None:
        shown = disclose_count(count).shown
        assert shown is None or shown % 5 == 0
        assert shown is None or shown == 0 or shown >= 10
        assert (shown is None) == (1 <= count <= 7)


class TestAlternativeRules:
    def test_older_rule_suppresses_one_to_five_without_rounding(self) -> None:
        assert disclose_count(5, SUPPRESS_ONE_TO_FIVE).shown is None
        assert disclose_count(6, SUPPRESS_ONE_TO_FIVE).shown == 6
        assert disclose_count(13, SUPPRESS_ONE_TO_FIVE).shown == 13

    def test_secure_research_environments_suppress_below_ten(self) -> None:
        assert disclose_count(9, SECURE_RESEARCH_TEN).shown is None
        assert disclose_count(10, SECURE_RESEARCH_TEN).shown == 10

    def test_a_trust_can_configure_its_own_rule(self) -> None:
        rule = SuppressionRule("Local (under 10, nearest 10)", threshold=10, rounding_base=10)
        assert disclose_count(9, rule).shown is None
        assert disclose_count(14, rule).shown == 10
        assert disclose_count(15, rule).shown == 20  # halves round up

    def test_nonsense_rules_are_rejected(self) -> None:
        with pytest.raises(ValueError):
            SuppressionRule("none", threshold=0)
        with pytest.raises(ValueError):
            SuppressionRule("bad rounding", threshold=8, rounding_base=0)


# --------------------------------------------------------------------------------------
# Secondary suppression
# --------------------------------------------------------------------------------------


class TestOneWayBreakdown:
    def test_a_single_small_cell_takes_the_next_smallest_with_it(self) -> None:
        # Looked-after children by sex: 3 girls would be 30 - 27 without secondary suppression
        counts = {"All": 30, "Girls": 3, "Boys": 27}
        disclosed = disclose_table(counts, breakdown_groups("All", ["Girls", "Boys"]))
        assert disclosed["Girls"] == DisclosedCount(None, SuppressionReason.PRIMARY)
        assert disclosed["Boys"] == DisclosedCount(None, SuppressionReason.SECONDARY)
        assert disclosed["All"] == DisclosedCount(30)

    def test_the_smallest_other_part_is_chosen_before_larger_ones_and_the_total(self) -> None:
        counts = {"All": 95, "0-4": 4, "5-9": 21, "10-15": 30, "16-17": 40}
        disclosed = disclose_table(counts, breakdown_groups("All", list(counts)[1:]))
        assert hidden_keys(disclosed) == {"0-4", "5-9"}
        assert disclosed["5-9"].reason is SuppressionReason.SECONDARY

    def test_two_small_cells_protect_each_other(self) -> None:
        counts = {"All": 50, "A": 3, "B": 4, "C": 43}
        disclosed = disclose_table(counts, breakdown_groups("All", ["A", "B", "C"]))
        assert hidden_keys(disclosed) == {"A", "B"}
        assert disclosed["C"].shown == 45

    def test_zero_parts_are_the_last_resort(self) -> None:
        # The small total hides itself and the part; zeros stay visible.
        counts = {"All": 6, "A": 6, "B": 0, "C": 0}
        disclosed = disclose_table(counts, breakdown_groups("All", ["A", "B", "C"]))
        assert hidden_keys(disclosed) == {"All", "A"}
        assert disclosed["B"].shown == 0

    def test_national_tables_are_not_suppressed(self) -> None:
        counts = {"All": 30, "Girls": 3, "Boys": 27}
        disclosed = disclose_table(
            counts, breakdown_groups("All", ["Girls", "Boys"]), national=True
        )
        assert [d.shown for d in disclosed.values()] == [30, 3, 27]

    def test_secondary_suppression_can_be_switched_off(self) -> None:
        rule = SuppressionRule("primary only", threshold=8, secondary_suppression=False)
        counts = {"All": 30, "Girls": 3, "Boys": 27}
        disclosed = disclose_table(counts, breakdown_groups("All", ["Girls", "Boys"]), rule)
        assert hidden_keys(disclosed) == {"Girls"}

    def test_totals_must_add_up(self) -> None:
        with pytest.raises(ValueError, match="sum of its parts"):
            disclose_table({"All": 31, "A": 3, "B": 27}, breakdown_groups("All", ["A", "B"]))

    def test_groups_must_refer_to_known_cells(self) -> None:
        with pytest.raises(ValueError, match="no count"):
            disclose_table({"All": 3, "A": 3}, breakdown_groups("All", ["A", "B"]))

    def test_a_group_needs_distinct_cells(self) -> None:
        with pytest.raises(ValueError):
            AdditiveGroup("All", ("A", "A"))

    @settings(max_examples=300)
    @given(
        parts=st.lists(st.one_of(st.integers(0, 12), st.integers(0, 200)), min_size=1, max_size=8),
        rule=st.sampled_from(RULES),
    )
    def test_no_group_ever_has_exactly_one_suppressed_cell(
        self, parts: list[int], rule: SuppressionRule
    ) -> None:
        names = [f"p{i}" for i in range(len(parts))]
        counts = {"All": sum(parts), **dict(zip(names, parts, strict=True))}
        groups = breakdown_groups("All", names)
        disclosed = disclose_table(counts, groups, rule)
        hidden = hidden_keys(disclosed)
        assert len(hidden & {"All", *names}) != 1
        assert not recoverable_cells(counts, groups, hidden)
        for key, count in counts.items():
            if rule.is_small(count):
                assert disclosed[key].reason is SuppressionReason.PRIMARY


def hidden_keys(disclosed: Mapping[str, DisclosedCount]) -> set[str]:
    return {key for key, cell in disclosed.items() if cell.is_suppressed}


class TestTwoWayTable:
    def test_two_small_cells_are_protected_by_a_rectangle_of_four(self) -> None:
        # Older rule: 3 and 2 are small; the cheapest safe pattern hides the rectangle
        # they span rather than spreading suppression through the table.
        counts, rows, columns = cross_table([[3, 20, 30], [15, 40, 2], [50, 60, 70]])
        disclosed = disclose_table(
            counts, cross_tabulation_groups(rows, columns, TOTAL), SUPPRESS_ONE_TO_FIVE
        )
        assert hidden_cells(disclosed) == {("r0", "c0"), ("r0", "c2"), ("r1", "c0"), ("r1", "c2")}
        assert disclosed[("r0", "c2")].reason is SuppressionReason.SECONDARY
        assert disclosed[(TOTAL, TOTAL)].shown == 290

    def test_margins_are_groups_too(self) -> None:
        groups = cross_tabulation_groups(["r0", "r1"], ["c0", "c1"], TOTAL)
        assert AdditiveGroup((TOTAL, TOTAL), ((TOTAL, "c0"), (TOTAL, "c1"))) in groups
        assert AdditiveGroup((TOTAL, TOTAL), (("r0", TOTAL), ("r1", TOTAL))) in groups
        assert len(groups) == 6

    def test_a_cell_bridging_two_protected_blocks_is_recoverable(self) -> None:
        # Every row and column holds two or more hidden cells, yet the cell joining the two
        # blocks follows from the totals: "exactly one per group" is not enough in 2-D.
        counts, rows, columns = cross_table(
            [[10, 10, 0, 0], [10, 10, 10, 0], [0, 0, 10, 10], [0, 0, 10, 10]]
        )
        groups = cross_tabulation_groups(rows, columns, TOTAL)
        block = {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1")}
        other = {("r2", "c2"), ("r2", "c3"), ("r3", "c2"), ("r3", "c3")}
        hidden = block | other | {("r1", "c2")}
        assert recoverable_cells(counts, groups, hidden) == {("r1", "c2")}
        assert bridges(hidden) == {("r1", "c2")}

    def test_suppression_continues_until_no_hidden_cell_can_be_solved_for(self) -> None:
        # Under the older rule, hiding a partner for each lone suppressed cell gives these
        # nine cells, and (r2, c2) can still be solved for: (r2, c2) = 3 - (r1, c2) and
        # (r1, c2) = 20 - 17 - (r1, c1) ... The exact check hides one more cell.
        counts, rows, columns = cross_table([[1, 0, 0], [17, 2, 1], [1, 6, 2]])
        groups = cross_tabulation_groups(rows, columns, TOTAL)
        first_pass = {
            (TOTAL, "c1"), (TOTAL, "c2"), ("r0", TOTAL), ("r0", "c0"), ("r1", "c1"),
            ("r1", "c2"), ("r2", TOTAL), ("r2", "c0"), ("r2", "c2"),
        }  # fmt: skip
        assert recoverable_cells(counts, groups, first_pass) == {("r2", "c2")}
        disclosed = disclose_table(counts, groups, SUPPRESS_ONE_TO_FIVE)
        hidden = hidden_cells(disclosed)
        assert hidden > first_pass
        assert not recoverable_cells(counts, groups, hidden)
        assert not bridges(hidden)

    @settings(max_examples=150, deadline=None)
    @given(
        body=st.integers(2, 4).flatmap(
            lambda width: st.lists(
                st.lists(
                    st.one_of(st.integers(0, 9), st.integers(0, 60)),
                    min_size=width,
                    max_size=width,
                ),
                min_size=2,
                max_size=4,
            )
        ),
        rule=st.sampled_from(RULES),
    )
    def test_no_suppressed_cell_can_be_recovered_from_the_totals(
        self, body: list[list[int]], rule: SuppressionRule
    ) -> None:
        counts, rows, columns = cross_table(body)
        groups = cross_tabulation_groups(rows, columns, TOTAL)
        disclosed = disclose_table(counts, groups, rule)
        hidden = hidden_cells(disclosed)
        for group in groups:
            assert sum(member in hidden for member in group.members) != 1
        assert not bridges(hidden)
        for key, cell in disclosed.items():
            if rule.is_small(counts[key]):
                assert cell.reason is SuppressionReason.PRIMARY
            elif cell.shown is None:
                assert cell.reason is SuppressionReason.SECONDARY
            else:
                assert cell.shown == rule.rounded(counts[key])


# --------------------------------------------------------------------------------------
# Derived statistics
# --------------------------------------------------------------------------------------


class TestDerivedStatistics:
    def test_a_rate_from_a_suppressed_count_is_withheld(self) -> None:
        # Rate and population together give the count back.
        assert not may_publish_derived([disclose_count(5), disclose_count(12_000)])

    def test_a_rate_from_a_secondary_suppressed_count_is_withheld(self) -> None:
        counts = {"All": 30, "Girls": 3, "Boys": 27}
        disclosed = disclose_table(counts, breakdown_groups("All", ["Girls", "Boys"]))
        assert not may_publish_derived([disclosed["Boys"]])
        assert may_publish_derived([disclosed["All"]])

    def test_a_rate_from_shown_counts_may_be_published(self) -> None:
        assert may_publish_derived([disclose_count(0), disclose_count(240)])

    def test_a_rule_may_allow_complex_statistics(self) -> None:
        rule = SuppressionRule("complex statistics shown", 8, 5, withhold_derived_statistics=False)
        assert may_publish_derived([disclose_count(5, rule)], rule)


class TestReleases:
    def test_cells_hidden_by_an_earlier_release_stay_hidden(self) -> None:
        # Girls were 3 last time; now 9, which alone would be shown.
        counts = {"All": 40, "Girls": 9, "Boys": 31}
        earlier = Release[str]({}, (), frozenset({"Girls", "Boys"}))
        disclosed = disclose_table(
            counts, breakdown_groups("All", ["Girls", "Boys"]), released=[earlier]
        )
        assert disclosed["Girls"] == DisclosedCount(None, SuppressionReason.EARLIER_RELEASE)
        assert disclosed["Boys"].is_suppressed and disclosed["All"].shown == 40

    def test_a_cell_shown_earlier_with_the_same_count_is_no_protection(self) -> None:
        # Boys (12) were shown before; hiding them now beside the small Girls protects
        # nothing (the smallest partner without history), so another cell is hidden.
        groups = breakdown_groups("All", ["Girls", "Boys", "Other"])
        first = {"All": 51, "Girls": 10, "Boys": 12, "Other": 29}
        release = Release(first, groups, frozenset())
        counts = {"All": 44, "Girls": 3, "Boys": 12, "Other": 29}
        naive = disclose_table(counts, groups, SUPPRESS_ONE_TO_FIVE)
        assert naive["Boys"].is_suppressed and not naive["Other"].is_suppressed
        disclosed = disclose_table(counts, groups, SUPPRESS_ONE_TO_FIVE, released=[release])
        assert disclosed["Girls"].is_suppressed
        assert not disclosed["Boys"].is_suppressed
        assert disclosed["Other"].is_suppressed or disclosed["All"].is_suppressed
