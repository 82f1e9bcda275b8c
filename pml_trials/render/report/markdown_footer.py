"""The end of the Markdown report: inputs not screened, the counts, and where each study's
criteria came from (sources, last review, the file's sha256)."""

from __future__ import annotations

from collections.abc import Sequence

from pml_trials.engine.run import InputProblem, Tally, counted
from pml_trials.render.report.chart import on_paper
from pml_trials.render.report.escape import md, md_code, md_link
from pml_trials.studies.model import Study
from pml_trials.verdict import WORDS


def problems_section(problems: Sequence[InputProblem], more: int = 0) -> str:
    lines = ["## Inputs that could not be screened", ""]
    lines += [
        f"- {md_code(p.source)}: " + ": ".join(md(part) for part in (p.field, p.message) if part)
        for p in map(on_paper, problems)
    ]
    if more:
        lines.append(f"- … and {more:,} more problems, not listed here (`--format json` lists all)")
    return "\n".join(lines) + "\n\n"


def tally_section(tally: Tally) -> str:
    words = list(WORDS.items())
    lines = [
        "## Summary",
        "",
        f"{counted(tally.patients, 'patient')} screened; {counted(tally.problems, 'input')} not screened.",
        "",
        "| Study | " + " | ".join(w for _, w in words) + " |",
        "|---" * (len(words) + 1) + "|",
    ]
    lines += [
        f"| {md_code(sid, in_table=True)} | " + " | ".join(str(counts[v]) for v, _ in words) + " |"
        for sid, counts in tally.verdicts.items()
    ]
    return "\n".join(lines) + "\n\n"


def studies_section(studies: Sequence[Study]) -> str:
    lines = [
        "## Studies screened",
        "",
        "Each criteria file is a transcription of public sources; check it against the current "
        "protocol. The checksum identifies the exact file used.",
        "",
    ]
    for study in studies:
        lines += _study(study)
    return "\n".join(lines) + "\n"


def _study(study: Study) -> list[str]:
    facts = [
        ("Phase", study.phase),
        ("Registry", ", ".join(study.registry_ids)),
        ("Sponsor", study.sponsor),
        ("Status", study.status),
        ("Last reviewed", study.last_reviewed.isoformat()),
        ("Criteria file", study.path.name),
    ]
    lines = [f"### {md(study.title)} ({md_code(study.id)})", ""]
    lines += [f"- {name}: {md(value)}" for name, value in facts if value]
    lines += [f"- sha256: {md_code(study.sha256)}", "", md(study.summary), "", "Sources:", ""]
    lines += [
        f"- {md_code(s.key)} {md(s.citation)}" + (f" {md_link(s.url, s.url)}" if s.url else "")
        for s in study.sources
    ]
    return [*lines, ""]
