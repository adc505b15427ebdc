"""What screening decides, typed: `Reason`, `Advice` and `Screening`, and their JSON form.

These objects travel from the screener through the service to the store and back (a repeated
comment id is answered with the stored decision). They become JSON in one place, `to_json`,
and are read back in one place, `from_json`: the store calls both at its edge (the JSON
columns of `comments`), the API answers with `to_json`. The JSON shape is the one already
stored, so rows written before these types existed read back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from postcheck.shapes import Span

Decision = Literal["publish", "hold", "reject"]
DECISIONS: tuple[Decision, ...] = ("publish", "hold", "reject")


def decision(value: Any) -> Decision:
    if value not in DECISIONS:
        raise ValueError(f"unknown decision {value!r}")
    return cast(Decision, value)


@dataclass(frozen=True, slots=True)
class Reason:
    category: str
    phase: str
    score: float
    action: Decision
    message: str
    spans: tuple[Span, ...] = ()
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "phase": self.phase,
            "score": round(self.score, 3),
            "action": self.action,
            "message": self.message,
            "spans": [{"start": s.start, "end": s.end, "text": s.text} for s in self.spans],
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        return cls(
            category=str(data.get("category", "")),
            phase=str(data.get("phase", "")),
            score=float(data.get("score", 0.0)),
            action=decision(data.get("action", "hold")),
            message=str(data.get("message", "")),
            spans=tuple(Span.model_validate(s) for s in data.get("spans") or ()),
            evidence=tuple(str(e) for e in data.get("evidence") or ()),
        )


@dataclass(frozen=True, slots=True)
class Advice:
    kind: str
    message: str
    why: str
    #: The guidance clauses behind the advice, as `ClauseRef` JSON plus the paraphrase.
    clauses: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "why": self.why,
            "clauses": list(self.clauses),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Advice:
        return cls(
            kind=str(data.get("kind", "")),
            message=str(data.get("message", "")),
            why=str(data.get("why", "")),
            clauses=tuple(dict(c) for c in data.get("clauses") or ()),
        )


@dataclass(frozen=True, slots=True)
class Screening:
    decision: Decision
    risk: float = 0.0
    reasons: tuple[Reason, ...] = ()
    advice: tuple[Advice, ...] = ()
    stopped_at: str | None = None
    phases_run: tuple[str, ...] = ()
    #: What the engine said (risk, versions, findings), or {"error": class name}.
    engine: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "risk": round(self.risk, 3),
            "reasons": [r.to_json() for r in self.reasons],
            "advice": [a.to_json() for a in self.advice],
            "stopped_at": self.stopped_at,
            "phases": list(self.phases_run),
            "engine": self.engine,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Screening:
        return cls(
            decision=decision(data["decision"]),
            risk=float(data.get("risk", 0.0)),
            reasons=tuple(Reason.from_json(r) for r in data.get("reasons") or ()),
            advice=tuple(Advice.from_json(a) for a in data.get("advice") or ()),
            stopped_at=data.get("stopped_at"),
            phases_run=tuple(data.get("phases") or ()),
            engine=dict(data.get("engine") or {}),
        )
