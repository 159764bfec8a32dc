"""The schema of every YAML rulebook of kefu, in the notation of :mod:`kefu.standards.rulebook`.

Keyed by the file's path relative to ``kefu/`` (a glob for folders of files of one kind). Each schema
describes what the file's loader reads, so a key it does not name is one no code would read;
``tests/standards/test_rulebook_schema.py`` checks every shipped file against its schema.
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------- standards

# kefu/standards/compliance/rulebook.py _rule: a rule of the generic set or of a brand profile.
FORBIDDEN_RULE = {
    "id": "str",
    "category": "str",
    "category_code": "str",
    "severity": "str",
    "channels": ("str", ["str"]),  # all, or a list of channels
    "pattern?": "str",
    "patterns?": ["str"],
    "symbols?": "str",
    "exceptions?": ["str"],
    "rewrite": "str",
    "rewrites?": {"*": "str"},
    "scope?": "str",
    "message": "str",
    "source": "str",
    "examples": {"seed": "str", "variants": ["str"]},
    "counter_examples": ["str"],
}

FORBIDDEN = {
    "version": "int",
    "source": "str",
    "particles": "str",
    "default_gap": "int",
    "no_collapse": "str",
    "exceptions": [{"pattern": "str", "rules?": ["str"], "note?": "str", "source": "str"}],
    "rules": [FORBIDDEN_RULE],
    "profiles": {"*": {"name": "str", "source": "str", "rules?": [FORBIDDEN_RULE], "disable?": ["str"]}},
}

PRESCRIBED = {
    "version": "int",
    "phrases": [{"text": "str", "profile?": "str", "channels?": ["str"], "note?": "str", "source": "str"}],
}

# kefu/standards/scripts.py _matches: a phrase variant's conditions.
_WHEN = {
    "greeting?": ["str"],
    "holiday?": ["str"],
    "step?": ["int"],
    "channel?": ["str"],
    "requires?": ["str"],
}
# A variant without its own source cites its situation's (or its profile's).
PHRASE = {"text": "str", "when?": _WHEN, "source?": "str"}

PHRASEBOOK = {
    "version": "int",
    "greetings": {
        "source": "str",
        "plain": "str",
        "time_of_day": [{"from": "str", "text": "str"}],
        "festive": {"*": "str"},  # holiday code → greeting
        "festive_wish": {"*": "str"},
        "weekend": "str",
    },
    "defaults": {"*": "str"},  # placeholder → its neutral value
    "situations": {
        "*": {"name": "str", "description?": "str", "source": "str", "steps?": "int", "phrases?": [PHRASE]}
    },
}

PROFILE = {
    "id": "str",
    "name": "str",
    "brand?": "str",
    "hotline": "str",
    "hotline_demo?": "bool",
    "seed?": "str",
    "source": "str",
    "features?": {
        "time_of_day_greeting?": "bool",
        "festive_greeting?": "bool",
        "weekend_greeting?": "bool",
        "agent_no_in_opening?": "bool",
        "evaluation_invitation?": "bool",
        "evaluation_channels?": ["str"],
    },
    "number_kind?": "str",
    "festive?": {"*": "str"},
    "festive_wish?": {"*": "str"},
    "phrases?": {"*": [PHRASE]},  # situation id → variants
}

_QA_CRITERION = {
    "name": "str",
    "deduction?": "int",
    "deduction_by_severity?": {"severe": "int", "major": "int", "minor": "int"},
    "max_deduction?": "int",
    "applies?": {
        "profile_feature?": "str",
        "profile_channels?": "str",
        "channels?": ["str"],
        "reply_target?": "bool",
    },
    "ok_detail?": "str",
    "source": "str",
}

QA = {
    "version": "int",
    "source": "str",
    "max_score": "int",
    "pass_score": "int",
    "fail_on_severe": "bool",
    "criteria": {"*": _QA_CRITERION},
    "compliance_categories": {"*": "str"},  # checker category_code → criterion
    "holds": {
        "source": "str",
        "wait_phrase_from_seconds": "int",
        "re_reminder_after_seconds": {"*": "int"},  # channel → seconds
        "thanks_from_seconds": "int",
    },
    "read_back": {"source": "str", "min_length": "int", "min_digits": "int"},
    "silent": {"source": "str", "prompts_required": "int"},
    "abusive": {"source": "str", "warnings_required": "int"},
    "supervisor": {"source": "str", "retention_required": "int"},
    "reply_time": {"source": "str", "sla_code": "str", "default_ticket_type": "str"},
    "resolution": {"source": "str", "last_agent_turns": "int"},
    "greeting": {"source": "str", "accept_ninhao_for_time_of_day": "bool"},
    "intents": {"*": ["str"]},  # intent → regular expressions
}

# kefu/standards/sla.py _parse_entry: a disabled entry names only what it switches off.
SLA_TARGET = {
    "code": "str",
    "name?": "str",
    "amount?": "int",
    "unit?": "str",
    "clock?": "str",
    "starts_on?": "str",
    "scope?": "str",
    "channel?": "str",
    "disabled?": "bool",
    "source": "str",
}

SLA = {
    "version": "int",
    "ticket_types": {"*": "str"},
    "policies": {"*": {"*": [SLA_TARGET]}},  # default or brand → ticket type or "*" → targets
}

INTENTS = {
    "version": "int",
    "model": {
        "source": "str",
        "loss": "str",
        "epochs": "int",
        "alpha": "num",
        "ngram_max": "int",
        "threshold": "num",
        "min_chars": "int",
    },
    "rules": {"*": ["str"]},  # forbidden rule id → training sentences
    "compliant": ["str"],
}

HOLIDAYS = {
    "year": "int",
    "source": "str",
    "holidays": {"*": "str"},  # date → holiday code
    "workdays?": ["str"],
    "notes?": "str",
}

# ---------------------------------------------------------------- chat


def _setting(value: Any) -> dict[str, Any]:
    return {"value": value, "source": "str"}


CHAT = {
    "version": "int",
    "hold_prompt_seconds": _setting("int"),
    "upload_max_bytes": _setting("int"),
    "upload_types": _setting({"*": "str"}),  # image format → served type
    "queue_pace_window_seconds": _setting("int"),
    "silent_visit_end_seconds": _setting("int"),
    "rating_scale": _setting(["int"]),
    "rating_labels": _setting({"*": "str"}),  # score → label
    "rate_limits": _setting(
        {door: {"limit": "int", "window_seconds": "int"} for door in ("start", "message", "upload")}
    ),
}

# ---------------------------------------------------------------- express

_WAYBILL_FORMAT = {
    "id": "str",
    "prefixes?": ["str"],
    "suffixes?": ["str"],
    "body?": "str",
    "length?": ("int", ["int"]),  # a length, or [min, max]
    "segments?": [{"chars": "str", "count": "int"}],
    "check?": "str",
    "source": "str",
}
_CARRIER = {"code": "str", "name": "str", "prior?": "num", "source": "str", "formats": [_WAYBILL_FORMAT]}

WAYBILL = {
    "ranking": {"check_failed_factor": "num", "source": "str"},
    "brands": [_CARRIER],
    "carriers": [_CARRIER],
}

NETWORK = {
    "source": "str",
    "provinces": ["str"],
    "not_open": [{"province": "str", "city?": "str", "district?": "str", "reason": "str", "source": "str"}],
    "message": "str",
}

TARIFF = {
    "zones": [{"code": "str", "name": "str", "when": "str"}],
    "zones_source": "str",
    "remote_provinces": ["str"],
    "regions_source": "str",
    "regions": {"*": ["str"]},  # region → provinces
    "rates": {  # zone code → rate
        "*": {
            "first_weight_kg": "str",
            "first_price": "str",
            "additional_per_kg": "str",
            "promised_hours": "int",
            "source": "str",
        }
    },
    "chargeable_weight": {"volumetric_divisor": "int", "round_up_step_kg": "str", "source": "str"},
    "vehicle": {
        "weight_kg_at_least": "str",
        "volume_cm3_at_least": "str",
        "pieces_at_least": "int",
        "longest_side_cm_at_least": "str",
        "source": "str",
    },
    "pickup_window": {
        "opens": "str",
        "cutoff": "str",
        "within_minutes": "int",
        "appointment_slot_minutes": "int",
        "source": "str",
    },
    "special_handling": {
        "supported": ["str"],
        "unsupported": [{"name": "str", "message": "str"}],
        "unknown_message": "str",
        "source": "str",
    },
    "pickup_limits": {
        "pieces_max": "int",
        "weight_kg_max": "str",
        "side_cm_max": "str",
        "days_ahead_max": "int",
        "source": "str",
    },
    "phone": {"mobile": "str", "example_mobile": "str", "example_landline": "str", "source": "str"},
}

PROHIBITED = {
    "messages": {"prohibited": "str", "restricted": "str", "source": "str"},
    "items": [
        {
            "name": "str",
            "kind": "str",
            "category": "str",
            "variants": ["str"],
            "exceptions?": ["str"],
            "min_percent?": "int",
            "note?": "str",
            "source": "str",
        }
    ],
}


def _claim(**params: Any) -> dict[str, Any]:
    """A claims rule: what fires it is code (kefu/express/rules/claims.py), its parameters are data."""
    return {"source": "str", "effect": "str", **params}


CLAIMS = {
    "currency": "str",
    "rules": {
        "claimant": _claim(allowed_roles=["str"], refusal="str"),
        "time_limit": _claim(years="int", refusal="str"),
        "no_query_within_year": _claim(refusal="str"),
        "customer_fault": _claim(refusal="str"),
        "item_nature": _claim(refusal="str"),
        "force_majeure": _claim(refusal="str"),
        "force_majeure_insured": _claim(),
        "signed_and_courier_left": _claim(reasons=["str"], refusal="str"),
        "customer_packaging": _claim(causes=[("str", "null")], refusal="str"),
        "agreement": _claim(),
        "not_delayed": _claim(refusal="str"),
        "delay": _claim(),
        "delay_value_lost": _claim(),
        "loss_fee_waiver": _claim(),
        "loss_insured": _claim(),
        "loss_uninsured": _claim(cap_multiple_of_fee="int"),
        "loss_unproved": _claim(),
        "damage_total": _claim(),
        "damage_partial": _claim(),
        "mismatch_item": _claim(),
        "mismatch_quantity": _claim(),
        "acknowledge": _claim(hours="int"),
        "proposal": _claim(days={"domestic": "int", "hmt": "int", "international": "int"}),
        "payment": _claim(days="int"),
        "dispute": _claim(),
    },
    "labels": {"roles": {"*": "str"}},  # claimant role → label
}

_PROBLEM_STEP = {
    "station": "str",
    "action": "str",
    "when?": "str",
    "decides?": "bool",
    "informs_customer?": "bool",
}

SERVICE = {
    "query": {
        "reply_within_minutes": "int",
        "reply_source": "str",
        "validity_years": "int",
        "validity_source": "str",
        "no_result_after_hours": "int",
        "no_result_source": "str",
        "scan_kinds": ["str"],
        "kinds": {"*": {"name": "str", "follow_up": "bool", "guidance": ["str"], "source": "str"}},
        "replies": {"*": "str"},  # query kind → reply
    },
    "complaints": {
        "result_within_days": "int",
        "result_source": "str",
        "acknowledge": "str",
        "acknowledge_source": "str",
        "recourse": "str",
        "recourse_source": "str",
        "types": {
            "*": {
                "name": "str",
                "steps": ["str"],
                "subtypes?": {"*": {"name": "str", "example": "str"}},
                "source": "str",
            }
        },
    },
    "problem_parcels": {
        "source": "str",
        "kinds": {
            "*": {
                "name": "str",
                "steps": [_PROBLEM_STEP],
                "choice?": {
                    "label": "str",
                    "options": {"*": {"name": "str", "customer_notice?": "str", "source?": "str"}},
                },
                "customer_notice": "str",
                "source": "str",
            }
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "standards/rulebooks/forbidden.yaml": FORBIDDEN,
    "standards/rulebooks/prescribed.yaml": PRESCRIBED,
    "standards/rulebooks/phrasebook.yaml": PHRASEBOOK,
    "standards/rulebooks/qa.yaml": QA,
    "standards/rulebooks/sla.yaml": SLA,
    "standards/rulebooks/intents.yaml": INTENTS,
    "standards/rulebooks/profiles/*.yaml": PROFILE,
    "standards/rulebooks/holidays/*.yaml": HOLIDAYS,
    "chat/rulebook.yaml": CHAT,
    "express/rulebooks/waybill.yaml": WAYBILL,
    "express/rulebooks/network.yaml": NETWORK,
    "express/rulebooks/tariff.yaml": TARIFF,
    "express/rulebooks/prohibited.yaml": PROHIBITED,
    "express/rulebooks/claims.yaml": CLAIMS,
    "express/rulebooks/service.yaml": SERVICE,
}
