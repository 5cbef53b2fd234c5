"""Repair issues: problems only the user can fix, in the Volcengine console.

Raised when the service says the default voice is not granted to the
account, the account's quota is used up, or the account has no speech
recognition resource (cleared once setup or a recognition succeeds, or as
soon as a request proves the problem fixed), and while this month's
characters near the user's own budget.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

CONSOLE_URL = "https://console.volcengine.com/speech/app"
VOICE_NOT_GRANTED = "voice_not_granted"
QUOTA_EXHAUSTED = "quota_exhausted"
RECOGNITION_NOT_GRANTED = "recognition_not_granted"
MONTHLY_BUDGET = "monthly_budget"
BUDGET_WARNING_SHARE = 0.9
"""Warn once this share of the monthly budget is used: "about to be exceeded"."""


def _issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


@callback
def async_report_voice_not_granted(hass: HomeAssistant, entry_id: str, voice: str) -> None:
    """Tell the user to enable the default voice (or pick another one)."""
    _create_issue(hass, VOICE_NOT_GRANTED, entry_id, {"voice": voice})


@callback
def async_report_quota_exhausted(hass: HomeAssistant, entry_id: str) -> None:
    """Tell the user the account's character quota is used up."""
    _create_issue(hass, QUOTA_EXHAUSTED, entry_id, {})


@callback
def async_report_recognition_not_granted(
    hass: HomeAssistant, entry_id: str, resource_id: str
) -> None:
    """Tell the user to enable streaming speech recognition for the application."""
    _create_issue(hass, RECOGNITION_NOT_GRANTED, entry_id, {"resource_id": resource_id})


@callback
def async_clear_recognition_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the recognition issue: recognition works now."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(RECOGNITION_NOT_GRANTED, entry_id))


@callback
def async_check_budget(hass: HomeAssistant, entry_id: str, *, used: int, budget: int) -> None:
    """Warn while this month's characters are near or past the user's budget (0: no budget)."""
    if budget > 0 and used >= budget * BUDGET_WARNING_SHARE:
        _create_issue(
            hass,
            MONTHLY_BUDGET,
            entry_id,
            {"used": str(used), "budget": str(budget)},
            severity=ir.IssueSeverity.WARNING,
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, _issue_id(MONTHLY_BUDGET, entry_id))


def _create_issue(
    hass: HomeAssistant,
    kind: str,
    entry_id: str,
    placeholders: dict[str, str],
    *,
    severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(kind, entry_id),
        is_fixable=False,
        severity=severity,
        translation_key=kind,
        translation_placeholders={**placeholders, "console_url": CONSOLE_URL},
        learn_more_url=CONSOLE_URL,
    )


@callback
def async_clear_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Remove this entry's issues: whatever they said works again."""
    for kind in (VOICE_NOT_GRANTED, QUOTA_EXHAUSTED, RECOGNITION_NOT_GRANTED, MONTHLY_BUDGET):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))


@callback
def async_clear_proven_by_check(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the quota and voice issues a free set-up check just found fixed.

    The check began a session with the default settings: the voice is granted,
    and the service took a session from the account.
    """
    for kind in (QUOTA_EXHAUSTED, VOICE_NOT_GRANTED):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))


@callback
def async_clear_fixed_by_success(hass: HomeAssistant, entry_id: str, voice: str) -> None:
    """Remove the issues a request with ``voice`` just proved fixed, without a restart.

    Audio came, so the quota is not used up; and if the issue names this
    voice, its grant was enabled in the console.
    """
    ir.async_delete_issue(hass, DOMAIN, _issue_id(QUOTA_EXHAUSTED, entry_id))
    issue_id = _issue_id(VOICE_NOT_GRANTED, entry_id)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    if issue is not None and (issue.translation_placeholders or {}).get("voice") == voice:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
