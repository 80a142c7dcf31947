"""The bulk operator against the sandbox: personalised messages, the counts and report, invalid
recipients, failure thresholds, the account's rate limit, and faults across task retries."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from airflow.sdk import DAG

from airflow_provider_whatsapp.delivery import report as report_module
from airflow_provider_whatsapp.operators import WhatsAppBulkSendOperator
from airflow_provider_whatsapp.sandbox import SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.airflow_fixtures import CONN_ENV
from tests.task_instance import RecordingTI

TEXT = {"type": "text", "text": {"body": "Hi {{ name }}, order {{ order }} ({{ dag.dag_id }})"}}


def people(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"to": f"+3162{n:07d}1", "name": f"P{n}", "order": f"A-{n}"} for n in range(start, start + count)]


def bulk(**kwargs: Any) -> WhatsAppBulkSendOperator:
    with DAG("campaign", schedule=None, start_date=datetime(2025, 1, 1)):
        return WhatsAppBulkSendOperator(task_id="send", **{"message": TEXT, "max_in_flight": 4, **kwargs})


def run(operator: WhatsAppBulkSendOperator, ti: RecordingTI) -> Any:
    return operator.execute({"ti": ti, "dag": operator.dag})  # type: ignore[arg-type]


def stored_texts(admin: SandboxAdminClient) -> Counter[tuple[str, str]]:
    return Counter((m["wa_id"], m["body"]["text"]["body"]) for m in admin.messages())


def test_each_recipient_gets_their_own_message_once(unlimited_admin: SandboxAdminClient) -> None:
    ti = RecordingTI()
    summary = run(bulk(recipients=people(25), hook_params={"requests_per_second": 0}), ti)

    assert summary["sent"] == 25
    assert (summary["total"], summary["failed"], summary["unknown"], summary["skipped"]) == (25, {}, 0, 0)
    texts = stored_texts(unlimited_admin)
    assert texts[(people(25)[7]["to"][1:], "Hi P7, order A-7 (campaign)")] == 1
    assert sum(texts.values()) == len(texts) == 25
    lines = ti.pushed["report"]
    assert [line["seq"] for line in lines] == list(range(25))
    assert {line["status"] for line in lines} == {"sent"}
    assert people(25)[7]["to"][1:] not in json.dumps(lines)


def test_invalid_recipients_fail_the_task_before_any_send_or_are_skipped(
    unlimited_admin: SandboxAdminClient,
) -> None:
    audience = [
        *people(3),
        {"to": "+31 6", "name": "short", "order": "x"},
        {"to": "+3162000009991", "name": "n"},
    ]
    with pytest.raises(AirflowFailException, match=r"recipients\[3\].*to: must be 7 to 15 digits"):
        run(bulk(recipients=audience), RecordingTI())
    assert unlimited_admin.requests_log("/messages") == []

    ti = RecordingTI()
    summary = run(bulk(recipients=audience, on_invalid="skip", max_failures=0), ti)
    assert (summary["sent"], summary["skipped"]) == (3, 2)
    assert [line["status"] for line in ti.pushed["report"]] == ["sent"] * 3 + ["skipped"] * 2
    assert "a value is missing" in ti.pushed["report"][4]["error"]["message"]


def test_a_large_report_goes_to_a_file_and_a_given_path_always_does(
    unlimited_admin: SandboxAdminClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_module, "XCOM_REPORT_LIMIT", 10)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    big = RecordingTI()
    summary = run(bulk(recipients=people(12), hook_params={"requests_per_second": 0}), big)
    assert "report" not in big.pushed
    written = Path(summary["report_path"])
    assert written == tmp_path / "whatsapp_reports" / big.dag_id / big.run_id / "send.jsonl"
    assert [json.loads(line)["status"] for line in written.read_text().splitlines()] == ["sent"] * 12

    small = RecordingTI()
    target = tmp_path / "reports" / "campaign.jsonl"
    summary = run(bulk(recipients=people(3, start=20), report_path=str(target)), small)
    assert summary["report_path"] == str(target)
    assert len(target.read_text().splitlines()) == len(small.pushed["report"]) == 3


@pytest.mark.usefixtures("unlimited_admin")
@pytest.mark.parametrize(("max_failures", "fails"), [(0, True), (1, False), (0.2, False), (0.1, True)])
def test_max_failures_is_a_count_or_a_fraction(max_failures: float, fails: bool) -> None:
    audience = [*people(4), {"to": "+31600000000", "name": "gone", "order": "x"}]  # 131026: undeliverable
    operator = bulk(recipients=audience, max_failures=max_failures)
    if fails:
        with pytest.raises(AirflowFailException, match="failed: 131026 x1"):
            run(operator, RecordingTI())
    else:
        assert run(operator, RecordingTI())["failed"] == {"131026": 1}


@pytest.mark.parametrize("pace", [10, 40])
def test_the_accounts_limit_costs_no_message(
    pace: float, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against the sandbox's own 10/s limit, paced at it or four times faster (429s: the hook slows
    down and retries), with 4 requests in flight: every message arrives once."""
    admin = SandboxAdminClient.new_key(sandbox.url)
    monkeypatch.setenv(CONN_ENV, admin.airflow_connection_json())
    for person in people(30):
        admin.inbound(person["to"])
    hook_params = {"requests_per_second": pace, "max_retries": 10}
    summary = run(bulk(recipients=people(30), hook_params=hook_params), RecordingTI())
    assert summary["sent"] == 30
    assert sum(stored_texts(admin).values()) == len(stored_texts(admin)) == 30


def test_faults_across_task_retries_account_for_everyone_and_store_no_duplicate(
    unlimited_admin: SandboxAdminClient,
) -> None:
    unlimited_admin.set_faults(
        rate_limit_rate=0.05, error_rate=0.02, drop_rate=0.02, lost_response_rate=0.02, seed=3
    )
    audience = people(40)
    operator = bulk(
        recipients=audience, hook_params={"requests_per_second": 0, "max_retries": 1}, max_failures=40
    )
    ti, summaries = RecordingTI(), []
    for _ in range(4):
        try:
            summaries.append(run(operator, ti))
            break
        except AirflowException:
            ti = ti.retry()
    final = summaries[-1] if summaries else None
    assert final is not None
    assert final["sent"] + sum(final["failed"].values()) + final["retry"] + final["unknown"] == 40
    texts = stored_texts(unlimited_admin)
    assert max(texts.values()) == 1, "no recipient got two copies"
    assert final["sent"] <= len(texts) <= final["sent"] + final["unknown"], (
        "lost answers are unknown, not lost"
    )


def test_a_template_campaign_is_checked_against_the_template_before_any_send(
    unlimited_admin: SandboxAdminClient,
) -> None:
    """hello_world takes no parameter: every recipient's message is refused locally, none sent."""
    message = {
        "type": "template",
        "template": {
            "name": "hello_world",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "{{ name }}"}]}],
        },
    }
    with pytest.raises(AirflowFailException, match=r"recipients\[0\].*hello_world"):
        run(bulk(recipients=people(5), message=message), RecordingTI())
    assert unlimited_admin.requests_log("/messages") == []
    summary = run(
        bulk(recipients=people(5), message=message, check_template=False, max_failures=5), RecordingTI()
    )
    assert summary["failed"] == {"132000": 5}, "unchecked, the gateway refuses each one"
