"""``pdfpipe doctor``: for each stage of a profile, whether its engine can run here: package
installed, weights found, server answering, GPU visible (``engines/checks.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .engines.checks import Check
from .engines.registry import STAGES, engine_class, make_engine, missing_requirements
from .profiles import Profile


@dataclass
class StageDiagnosis:
    stage: str
    kind: str
    pool: str
    isolation: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def diagnose(profile: Profile) -> list[StageDiagnosis]:
    out = []
    for stage in STAGES:
        options = profile.engine(stage)
        pool, isolation = profile.hosting(stage)
        report = StageDiagnosis(stage, options.kind, pool, isolation)
        cls = engine_class(stage, options.kind)
        missing = missing_requirements(cls)
        hint = f"pip install 'pdfpipe[{cls.extra}]'" if cls.extra else f"pip install {' '.join(missing)}"
        report.checks.append(
            Check("packages", not missing, f"missing {', '.join(missing)}: {hint}" if missing else "installed")
        )
        if not missing:
            try:
                report.checks += make_engine(stage, options).diagnose()
            except Exception as err:  # noqa: BLE001 - every failure to load is the report's content
                report.checks.append(Check("loads", False, f"{type(err).__name__}: {err}"))
        out.append(report)
    return out
