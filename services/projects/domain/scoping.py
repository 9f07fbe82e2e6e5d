"""The project scoping questions a project team answers before it starts (Urbanham,
section 8 and toolkit appendix 2, the Institute of Public Care's questions), summarised."""

from __future__ import annotations

QUESTIONS: dict[int, str] = {
    1: "Whose strategy is it, and what kind of document: a short statement of intent or a "
    "detailed analysis and plan?",
    2: "Who are its audiences?",
    3: "What population does it cover (area, age range)?",
    4: "Which services does it include (health, education, social care, housing, justice)?",
    5: "What period does it cover, and by when must it be finished?",
    6: "Which partnerships or forums already plan or commission for this group?",
    7: "Do the partners share a definition of commissioning?",
    8: "Are there agreed or published outcomes, values and priorities?",
    9: "What research, guidance and law is known, and what more analysis is needed?",
    10: "What population data exists, and what is needed for a population needs analysis?",
    11: "What recent consultation or feedback exists, and what more is needed?",
    12: "How will stakeholders be informed and involved; is there a communications plan?",
    13: "What service mapping exists, and what is needed to analyse the level, cost and "
    "effectiveness of current provision?",
    14: "How will the quality of current provision be reviewed?",
    15: "How will workforce capacity and future needs be reviewed?",
    16: "How will major gaps and possible improvements be identified and tested with "
    "providers, service users and others?",
    17: "Who leads, who gathers the data, who steers (which reference groups), who writes, "
    "who must agree the strategy?",
    18: "How will the strategy be monitored and reviewed?",
}


def unanswered(answers: dict[int, str]) -> list[int]:
    """The questions still without an answer, in order."""
    return [n for n in QUESTIONS if not answers.get(n, "").strip()]
