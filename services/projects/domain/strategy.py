"""The commissioning strategy document, in the sections of Urbanham's template (toolkit
appendix 1, the Institute of Public Care's template; section 7), filled from the
project's own data and the evidence it cites. A section with nothing to show says so: a
gap is shown as a gap, never papered over.

The document cites needs by key and links; it carries no counts, so nothing the needs
service suppresses can be derived from it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.projects.domain.project import Project
from services.projects.domain.scoping import QUESTIONS

GAP = "Not yet evidenced."


@dataclass(frozen=True)
class CitedNeed:
    need_key: str
    open: bool


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    lines: tuple[str, ...]
    """Paragraphs or list items; empty for a gap."""

    @property
    def gap(self) -> bool:
        return not self.lines


def _answer(project: Project, question: int) -> list[str]:
    answer = project.scoping.get(question, "").strip()
    return [f"{QUESTIONS[question]} {answer}"] if answer else []


def _present(*pairs: tuple[str, str]) -> list[str]:
    return [f"{label}: {text.strip()}" for label, text in pairs if text.strip()]


def _summary(p: Project) -> list[str]:
    plan = p.evidence.commissioning
    lines = _present(("Service model", p.evidence.service_model))
    if plan is not None:
        lines.append(f"Decision: {plan.decision.value.replace('_', ' ')}.")
        if plan.estimated_value is not None:
            lines.append(f"Estimated value: £{plan.estimated_value:,.2f}.")
    pooled = sum((c.amount for c in p.evidence.contributions), Decimal(0))
    if pooled:
        lines.append(f"Partner contributions: £{pooled:,.2f}.")
    return lines


def _introduction(p: Project, priority: str | None) -> list[str]:
    where = ", ".join(p.localities) if p.localities else "the whole trust"
    lines = [
        f"{p.title}: a {p.level.value} project for {where}.",
        f"Outcomes sought: {', '.join(p.outcomes)}.",
        f"Led by {p.lead_commissioner}, with {p.commissioning_officer} as commissioning officer.",
    ]
    if p.target_groups:
        lines.append(f"Target groups: {', '.join(p.target_groups)}.")
    if priority:
        lines.append(f"Key improvement priority: {priority}.")
    return lines + _answer(p, 1) + _answer(p, 8) + _answer(p, 17)


def _needs(p: Project, cited: Sequence[CitedNeed]) -> list[str]:
    e = p.evidence
    lines = _present(("Outcome baseline", e.outcome_baseline), ("Groups", e.group_outcomes))
    a = e.needs_analysis
    if a is not None:
        lines += _present(
            ("Analysis", a.summary),
            ("Views of children and young people", a.views_of_children),
            ("Views of families", a.views_of_families),
            ("Views of professionals", a.views_of_professionals),
        )
    lines += [f"Need cited: {n.need_key}{'' if n.open else ' (since resolved)'}" for n in cited]
    lines += [f"Local Children's Board, {v.locality}: {v.text}" for v in p.local_views]
    return lines


def _review(p: Project) -> list[str]:
    resources = [
        f"Resource: {r.source}" + (f", £{r.amount:,.2f}" if r.amount is not None else "")
        for r in p.evidence.resources
    ]
    return _answer(p, 13) + _answer(p, 14) + resources


def _design(p: Project) -> list[str]:
    plan = p.evidence.commissioning
    lines = _present(
        ("Pattern of services", p.evidence.service_model),
        ("Stakeholders", p.evidence.stakeholder_engagement),
    )
    if plan is not None:
        lines += _present(
            ("Service", plan.service_description),
            ("Specification", plan.specification_summary),
            ("Impact of ceasing", plan.impact_assessment),
        )
        lines += [f"KPI: {k.kpi} ({k.outcome}), target {k.target}" for k in plan.kpis]
    return lines + [f"Priority agreed: {x}" for x in p.evidence.agreed_priorities]


def _procurement(p: Project) -> list[str]:
    plan = p.evidence.commissioning
    lines = []
    if plan is not None and plan.route is not None:
        lines.append(f"Procurement route: {plan.route.value.replace('_', ' ')}.")
    lines += [
        f"Contribution: {c.agency}, £{c.amount:,.2f} ({'pooled' if c.pooled else 'aligned'})"
        for c in p.evidence.contributions
    ]
    lines += _present(
        ("Market", p.evidence.market_analysis), ("Workforce", p.evidence.workforce_plan)
    )
    return (
        lines
        + [f"Contract awarded: {a.contract_ref} to {a.provider}" for a in p.contract_awards]
        + [
            f"Contract started: {s.provider}, £{s.value:,.2f}, "
            f"{s.starts_on.isoformat()} to {s.ends_on.isoformat()}"
            for s in p.contract_starts
        ]
    )


def _monitoring(p: Project) -> list[str]:
    m = p.evidence.monitoring
    lines = _answer(p, 18)
    if m is not None:
        lines.append(
            f"Officer responsible: {m.officer}; formal review in month {m.formal_review_month}."
        )
        lines += [f"Performance criterion: {c}" for c in m.performance_criteria]
    return lines


def strategy(p: Project, priority: str | None, cited: Sequence[CitedNeed]) -> list[Section]:
    """The nine sections of the template, in order."""
    appendices = [
        f"Scoping question {n}: {QUESTIONS[n]} {a}"
        for n, a in sorted(p.scoping.items())
        if a.strip()
    ]
    bodies = [
        ("Summary", _summary(p)),
        ("Introduction", _introduction(p, priority)),
        ("National and local guidance and research", _answer(p, 9)),
        ("Needs assessment", _needs(p, cited) + _answer(p, 10) + _answer(p, 11)),
        ("Service review", _review(p)),
        ("Gap analysis and the design of future provision", _design(p) + _answer(p, 16)),
        ("Procurement and market management plans", _procurement(p)),
        ("Monitoring arrangements", _monitoring(p)),
        ("Appendices", appendices),
    ]
    return [Section(i, title, tuple(lines)) for i, (title, lines) in enumerate(bodies, start=1)]


def markdown(title: str, sections: Sequence[Section]) -> str:
    out = [f"# Commissioning strategy: {title}", ""]
    for s in sections:
        out += [f"## {s.number}. {s.title}", ""]
        out += (
            [f"- {line}".replace("\n", "\n  ") for line in s.lines]
            if s.lines
            else [f"> **Gap.** {GAP}"]
        )
        out.append("")
    return "\n".join(out)


def to_html(title: str, sections: Sequence[Section]) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Commissioning strategy: {e(title)}</title></head><body>",
        f"<h1>Commissioning strategy: {e(title)}</h1>",
    ]
    for s in sections:
        out.append(f'<section id="section-{s.number}"><h2>{s.number}. {e(s.title)}</h2>')
        if s.gap:
            out.append(f'<p class="gap"><strong>Gap.</strong> {GAP}</p>')
        else:
            out.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in s.lines) + "</ul>")
        out.append("</section>")
    return "\n".join([*out, "</body></html>", ""])
