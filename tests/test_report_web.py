"""The credit report on the web (publish/plugins/reports.py): preview, issuing, verification,
the report's files, the public keys, their limits and lockouts. A real build (a registered
company without records, a penalised one, a sole trader registered under the operator's name),
real state directories made as `keys init` makes them, the site in process (the clock moved
instead of sleeping) and once as `python -m publish serve`. Day: AS_OF (2026-11-25), 10:00 in
Beijing, unless a test moves its clock."""
from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys

import httpx
import pytest

from publish.clock import attach
from publish.filecheck import FileChecker, FileCheckError
from publish.report.numbers import new_report_no
from publish.report.registry import Registry
from publish.report.verify import CERTIFIED
from publish.serve import make_datasette
from publish.signing_keys import KeyRing
from tests.factories import bad_uscc, id_number, uscc
from tests.report_support import DAY, HOUR, MINUTE, NOW, clock, fresh_state, pdf_with
from tests.test_report_content import CLEAN, NAMES, PENALISED, PERSON_TRADER, write_inputs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from publish.build import build

    tmp = tmp_path_factory.mktemp("report-web")
    write_inputs(tmp / "raw")
    assert build(tmp / "raw", tmp / "out", NOW.date(), progress=False)["balanced"]
    return tmp / "out"


@pytest.fixture
def state(tmp_path):
    return fresh_state(tmp_path)


def site(built, state, delta=dt.timedelta(0)):
    """The site over the build with the state directory, its clock at NOW + delta."""
    return make_datasette(built, clock(delta), state_dir=state)


@pytest.fixture
def ds(built, state):
    return site(built, state)


def client(datasette, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client of the site in process, from address `ip` (a client, as limits.client_of sees it)."""
    transport = httpx.ASGITransport(app=datasette.app(), client=(ip, 50123))
    return httpx.AsyncClient(transport=transport, base_url="http://localhost")


async def preview_token(c: httpx.AsyncClient, code: str = PENALISED) -> str:
    response = await c.get(f"/report/{code}")
    assert response.status_code == 200, response.text[:500]
    return re.search(r'name="csrftoken" value="([^"]+)"', response.text).group(1)


async def issue(c: httpx.AsyncClient, code: str = PENALISED, **form) -> httpx.Response:
    token = await preview_token(c, code)
    return await c.post(f"/report/{code}", data={"csrftoken": token, **form})


def issued_no_and_code(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 200, response.text[:800]
    no = re.search(r'id="report-no">([^<]+)<', response.text).group(1)
    code = re.search(r'id="report-code">([^<]+)<', response.text).group(1)
    return no, code


def error_code(response: httpx.Response) -> str:
    if response.headers["content-type"].startswith("application/json"):
        return response.json()["error"]["code"]
    return re.search(r"错误代码：<code>([a-z_]+)</code>", response.text).group(1)


def registered(state) -> list:
    with Registry.open(state, clock()) as registry:
        return registry.reports()


# --- the preview ---------------------------------------------------------------------------------

async def test_a_registered_subject_without_records_has_a_preview_and_a_button(ds, state):
    async with client(ds) as c:
        response = await c.get(f"/report/{CLEAN}")
        as_json = (await c.get(f"/report/{CLEAN}.json")).json()
    assert response.status_code == 200
    html = response.text
    assert NAMES[CLEAN] in html and "报告预览" in html and "未发现违法违规记录" in html
    assert re.search(rf'<form method="post" action="/report/{CLEAN}"', html)
    assert 'name="csrftoken"' in html and ">出具报告</button>" in html
    assert response.headers["x-robots-tag"] == "noindex, noarchive"
    assert as_json["issued"] is False and as_json["preview"]["subject"]["uscc"] == CLEAN
    assert as_json["preview"]["subject"]["registered"] is True
    assert as_json["issue"]["url"] == f"/report/{CLEAN}.json"
    assert registered(state) == []      # a preview issues nothing (crawlers follow links)


async def test_the_preview_takes_the_period_and_the_fields(ds):
    async with client(ds) as c:
        data = (await c.get(f"/report/{PENALISED}.json?years=2&fields=market&fields=tax")).json()
        page = await c.get(f"/report/{PENALISED}?years=2&fields=market,tax")
        wrong = await c.get(f"/report/{PENALISED}.json?years=9")
        not_a_number = await c.get(f"/report/{PENALISED}.json?years=abc")
        no_such_field = await c.get(f"/report/{PENALISED}?fields=astrology")
    assert data["preview"]["period"]["years"] == 2
    assert [f["code"] for f in data["preview"]["fields"]] == ["market", "tax"]
    assert '<input type="hidden" name="years" value="2">' in page.text
    assert '<input type="hidden" name="fields" value="market">' in page.text
    assert wrong.status_code == 400 and error_code(wrong) == "period_too_long"
    assert not_a_number.status_code == 400 and error_code(not_a_number) == "invalid_period"
    assert no_such_field.status_code == 400 and error_code(no_such_field) == "unknown_field"


@pytest.mark.parametrize("subject, status, code", [
    (PERSON_TRADER, 404, "natural_person"),       # a sole trader registered under the operator's name
    (id_number(), 404, "natural_person"),         # an ID number
    (uscc(555), 404, "unknown_subject"),
    (bad_uscc(101), 400, "invalid_uscc"),
])
async def test_who_has_no_report(ds, subject, status, code):
    async with client(ds) as c:
        page = await c.get(f"/report/{subject}")
        data = await c.get(f"/report/{subject}.json")
    assert page.status_code == status and error_code(page) == code
    assert "<html lang=\"zh-CN\">" in page.text and "Traceback" not in page.text
    assert data.status_code == status and data.json()["error"]["code"] == code
    assert id_number() not in page.text and id_number() not in data.text


async def test_a_code_written_loosely_is_redirected(ds):
    async with client(ds) as c:
        response = await c.get(f"/report/{PENALISED.lower()}?years=2")
    assert response.status_code == 301 and response.headers["location"] == f"/report/{PENALISED}?years=2"


async def test_the_profile_links_the_report(ds):
    async with client(ds) as c:
        page = await c.get(f"/entity/{PENALISED}")
        data = (await c.get(f"/entity/{PENALISED}.json")).json()
    assert f'href="/report/{PENALISED}"' in page.text and "出具信用报告" in page.text
    assert data["links"]["report"] == f"/report/{PENALISED}"


# --- issuing -------------------------------------------------------------------------------------

async def test_issuing_shows_the_printable_report_with_links_to_its_files(ds, state):
    async with client(ds) as c:
        response = await issue(c, years="2")
        no, code = issued_no_and_code(response)
        pdf = await c.get(f"/reports/{no}/{code}/report.pdf")
        signed = await c.get(f"/reports/{no}/{code}/report.jws")
        html = await c.get(f"/reports/{no}/{code}/report.html")
        as_json = await c.get(f"/reports/{no}/{code}/report.json")
    page = response.text
    assert '<html lang="zh-CN">' in page and "公共信用信息报告（无违法违规证明版）" in page
    assert NAMES[PENALISED] in page and no in page and "report-actions screen-only" in page
    for name in ("report.pdf", "report.jws", "report.json", "report.html"):
        assert f'href="/reports/{no}/{code}/{name}"' in page
    assert f'href="/verify?no={no}&amp;code={code}"' in page
    assert response.headers["cache-control"] == "private, no-store"
    [report] = registered(state)
    assert report.no == no and report.uscc == PENALISED
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert signed.status_code == 200 and signed.content == report.signed.encode("ascii") + b"\n"
    assert signed.headers["content-disposition"] == f'attachment; filename="report-{no}.jws"'
    assert html.status_code == 200 and no in html.text and "report-actions" not in html.text
    assert as_json.json()["status"] == "valid" and as_json.json()["payload"]["report_no"] == no
    assert (state / "reports" / no / "report.pdf").read_bytes() == pdf.content


async def test_issuing_as_json(ds):
    async with client(ds) as c:
        token = (await c.get(f"/report/{CLEAN}.json")).json()["issue"]["csrftoken"]
        response = await c.post(f"/report/{CLEAN}.json", data={"years": "1"}, headers={"X-CSRFToken": token})
    data = response.json()
    assert response.status_code == 200 and data["uscc"] == CLEAN and data["path"] is None
    assert data["links"]["pdf"] == f"/reports/{data['report_no']}/{data['code']}/report.pdf"


async def test_a_registered_subject_without_records_can_have_a_report(ds, state):
    async with client(ds) as c:
        no, code = issued_no_and_code(await issue(c, CLEAN))
        result = (await c.get(f"/verify.json?no={no}&code={code}")).json()
    assert result["status"] == "valid" and result["summary"]["subject"]["uscc"] == CLEAN
    assert {f["status"] for f in result["summary"]["fields"]} <= {"clean", "no_data"}


async def test_a_natural_person_cannot_have_a_report_by_post_either(ds, state):
    async with client(ds) as c:
        token = await preview_token(c)
        response = await c.post(f"/report/{PERSON_TRADER}", data={"csrftoken": token})
    assert response.status_code == 404 and error_code(response) == "natural_person"
    assert registered(state) == []


@pytest.mark.parametrize("form, cookie, code", [
    ({}, False, "csrf_missing"),                       # no cookie, no token
    ({}, True, "csrf_missing"),                        # the cookie alone
    ({"csrftoken": "forged"}, True, "csrf_invalid"),
    ({"csrftoken": "forged"}, False, "csrf_missing"),
])
async def test_issuing_needs_datasettes_csrf_token(ds, state, form, cookie, code):
    async with client(ds) as c:
        if cookie:
            await preview_token(c)
        response = await c.post(f"/report/{PENALISED}", data=form)
    assert response.status_code == 403 and error_code(response) == code
    assert "错误代码" in response.text and registered(state) == []


async def test_the_11th_issue_within_10_minutes_from_one_client_gets_429(ds, state):
    async with client(ds, "10.0.0.1") as c:
        token = await preview_token(c, CLEAN)
        for _ in range(10):
            response = await c.post(f"/report/{CLEAN}", data={"csrftoken": token, "years": "1"})
            assert response.status_code == 200, response.text[:300]
        eleventh = await c.post(f"/report/{CLEAN}", data={"csrftoken": token, "years": "1"})
        assert eleventh.status_code == 429 and error_code(eleventh) == "report_rate_limited"
        assert 590 <= int(eleventh.headers["retry-after"]) <= 600
        assert len(registered(state)) == 10
        async with client(ds, "10.0.0.2") as other:          # another client is not affected
            assert (await issue(other, CLEAN, years="1")).status_code == 200
        attach(ds, clock(11 * MINUTE))                    # ten minutes after the last: again
        assert (await c.post(f"/report/{CLEAN}", data={"csrftoken": token, "years": "1"})).status_code == 200


async def test_a_server_whose_build_is_older_than_yesterday_refuses_to_issue(built, state):
    yesterdays = site(built, state, DAY)                  # the build is yesterday's: still issues
    async with client(yesterdays) as c:
        assert (await issue(c, CLEAN)).status_code == 200
    stale = site(built, state, 2 * DAY)
    token = stale.sign("a token as asgi-csrf makes it", "csrftoken")   # the preview, refused, makes none
    async with client(stale) as c:
        preview = await c.get(f"/report/{CLEAN}")
        as_json = await c.get(f"/report/{CLEAN}.json")
        c.cookies.set("ds_csrftoken", token)
        posted = await c.post(f"/report/{CLEAN}", data={"csrftoken": token})
    assert preview.status_code == 503 and error_code(preview) == "build_stale"
    assert as_json.status_code == 503 and as_json.json()["error"]["code"] == "build_stale"
    assert "早于昨日" in as_json.json()["error"]["message"]
    assert posted.status_code == 503 and error_code(posted) == "build_stale"
    assert len(registered(state)) == 1


async def test_without_keys_the_report_routes_say_so_and_the_site_works(built, tmp_path):
    bare = make_datasette(built, clock(), state_dir=tmp_path / "no-state")
    async with client(bare) as c:
        answers = {path: await c.get(path) for path in
                   (f"/report/{CLEAN}", "/verify.json?no=20261125-K7QF-3WXM&code=K7QF3W", "/.well-known/jwks.json",
                    "/reports/20261125-K7QF-3WXM/K7QF3W/report.pdf")}
        posted = await c.post("/verify.json", content=b"x", headers={"content-type": "application/jose"})
        home, profile = await c.get("/"), await c.get(f"/entity/{PENALISED}")
    for path, response in [*answers.items(), ("POST /verify.json", posted)]:
        assert response.status_code == 503, path
        assert error_code(response) == "keys_missing", path
        assert "keys init" in response.text and "Traceback" not in response.text
    assert home.status_code == 200 and profile.status_code == 200


# --- verification by number and code ---------------------------------------------------------------

async def test_verify_json_valid_wrong_code_and_unknown_number(ds):
    async with client(ds) as c:
        no, code = issued_no_and_code(await issue(c))
        valid = (await c.get(f"/verify.json?no={no}&code={code.lower()}")).json()
        wrong = (await c.get(f"/verify.json?no={no}&code=ZZZZZZ")).json()
        other = new_report_no(NOW.date())
        unknown = (await c.get(f"/verify.json?no={other}&code={code}")).json()
        malformed = await c.get("/verify.json?no=hello&code=ZZZZZZ")
        missing = await c.get(f"/verify.json?no={no}")
    assert valid["status"] == "valid" and valid["report_no"] == no
    assert [ch["check"] for ch in valid["checks"]] == ["signature", "key", "key_state", "registry", "expiry",
                                                        "revocation"]
    assert all(ch["ok"] for ch in valid["checks"])
    summary = valid["summary"]
    assert summary["subject"] == {"uscc": PENALISED, "name": NAMES[PENALISED]}
    assert summary["issue_day"] == "2026-11-25" and summary["period"]["years"] == 3
    assert any(f["status"] == "found" and f["records"] for f in summary["fields"])
    assert valid["certified"] == CERTIFIED and valid["links"]["pdf"].endswith("/report.pdf")
    # A wrong code is an unknown number: the same answer, word for word (no oracle).
    assert wrong["status"] == unknown["status"] == "unknown"
    assert {**wrong, "report_no": None} == {**unknown, "report_no": None}
    assert wrong["summary"] is None and wrong["links"] is None
    assert malformed.status_code == 200 and malformed.json()["status"] == "unknown"
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_parameter"


async def test_the_verify_page_shows_each_check_and_the_signed_summary(ds):
    async with client(ds) as c:
        no, code = issued_no_and_code(await issue(c))
        form = await c.get("/verify")
        page = await c.get(f"/verify?no={no}&code={code}")
        wrong = await c.get(f"/verify?no={no}&code=ZZZZZZ")
    assert form.status_code == 200 and 'name="no"' in form.text and 'type="file"' in form.text
    html = page.text
    assert page.status_code == 200 and "核验结果：有效" in html
    assert html.count('<li class="check check-ok">') == 6
    assert "签名摘要" in html and CERTIFIED in html and NAMES[PENALISED] in html and "2026-11-25" in html
    assert wrong.status_code == 200 and "核验结果：无法确认" in wrong.text and "签名摘要" not in wrong.text
    assert CERTIFIED not in wrong.text


async def test_an_expired_and_a_revoked_report(built, state):
    async with client(site(built, state)) as c:
        no, code = issued_no_and_code(await issue(c))
    async with client(site(built, state, 31 * DAY)) as c:
        expired = (await c.get(f"/verify.json?no={no}&code={code}")).json()
        pdf = await c.get(f"/reports/{no}/{code}/report.pdf")
    assert expired["status"] == "expired" and expired["summary"] is None and pdf.status_code == 200
    with Registry.open(state, clock()) as registry:
        registry.revoke(no, "issued_in_error")
    async with client(site(built, state)) as c:
        revoked = (await c.get(f"/verify.json?no={no}&code={code}")).json()
        pdf = await c.get(f"/reports/{no}/{code}/report.pdf")
        as_json = await c.get(f"/reports/{no}/{code}/report.json")
    assert revoked["status"] == "revoked" and revoked["revocation"]["code"] == "issued_in_error"
    assert pdf.status_code == 410 and error_code(pdf) == "report_revoked"
    assert as_json.status_code == 200 and as_json.json()["status"] == "revoked"


async def test_five_wrong_codes_lock_that_client_out_of_that_number_for_an_hour(built, state):
    async with client(site(built, state)) as c:
        no, code = issued_no_and_code(await issue(c))
    async with client(site(built, state), "10.1.0.1") as guesser:
        for _ in range(5):
            assert (await guesser.get(f"/verify.json?no={no}&code=ZZZZZZ")).json()["status"] == "unknown"
        sixth = await guesser.get(f"/verify.json?no={no}&code={code}")      # even the right code
        page = await guesser.get(f"/verify?no={no}&code={code}")
    assert sixth.status_code == 429 and sixth.json()["error"]["code"] == "lookup_locked"
    assert 3590 <= int(sixth.headers["retry-after"]) <= 3600
    assert page.status_code == 429 and "错误代码：<code>lookup_locked</code>" in page.text
    async with client(site(built, state), "10.1.0.2") as other:
        assert (await other.get(f"/verify.json?no={no}&code={code}")).json()["status"] == "valid"
    async with client(site(built, state, HOUR + MINUTE), "10.1.0.1") as later:
        assert (await later.get(f"/verify.json?no={no}&code={code}")).json()["status"] == "valid"


async def test_fifty_wrong_codes_from_all_clients_lock_code_lookups_of_that_number(built, state):
    async with client(site(built, state)) as c:
        no, code = issued_no_and_code(await issue(c))
        signed = (await c.get(f"/reports/{no}/{code}/report.jws")).content
    now = site(built, state)
    for n in range(10):
        async with client(now, f"10.2.0.{n + 1}") as guesser:
            for _ in range(5):
                assert (await guesser.get(f"/verify.json?no={no}&code=ZZZZZZ")).status_code == 200
    async with client(now, "10.2.1.1") as stranger:
        locked = await stranger.get(f"/verify.json?no={no}&code={code}")
        by_file = await stranger.post("/verify.json", content=signed, headers={"content-type": "application/jose"})
        other_number = await stranger.get(f"/verify.json?no={new_report_no(NOW.date())}&code={code}")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "lookup_locked"
    assert "所有用户" in locked.json()["error"]["message"] and int(locked.headers["retry-after"]) > 3500
    assert by_file.json()["status"] == "valid"           # the signed file still verifies
    assert other_number.status_code == 200               # other numbers are not locked
    async with client(site(built, state, HOUR + MINUTE), "10.2.1.1") as later:
        assert (await later.get(f"/verify.json?no={no}&code={code}")).json()["status"] == "valid"


async def test_the_file_urls_need_the_code_and_count_as_lookups(built, state):
    async with client(site(built, state)) as c:
        no, code = issued_no_and_code(await issue(c))
    async with client(site(built, state), "10.3.0.1") as guesser:
        by_number = [await guesser.get(p) for p in (f"/reports/{no}/report.pdf", f"/reports/{no}",
                                                    f"/reports/{no}/report.json")]
        wrong = [await guesser.get(f"/reports/{no}/ZZZZZZ/report.pdf") for _ in range(5)]
        sixth = await guesser.get(f"/reports/{no}/{code}/report.pdf")
        lookup = await guesser.get(f"/verify.json?no={no}&code={code}")
    assert all(r.status_code == 404 for r in by_number)
    assert all(r.status_code == 404 and error_code(r) == "report_not_found" for r in wrong)
    assert sixth.status_code == 429 and error_code(sixth) == "lookup_locked" and sixth.headers["retry-after"]
    assert lookup.status_code == 429                     # the same lock as the look-ups'


async def test_at_most_30_verifications_per_client_per_minute(ds):
    async with client(ds, "10.4.0.1") as c:
        no, code = issued_no_and_code(await issue(c))
        answers = [await c.get(f"/verify.json?no={no}&code={code}") for _ in range(30)]
        thirty_first = await c.get(f"/verify.json?no={no}&code={code}")
        posted = await c.post("/verify.json", content=b"x", headers={"content-type": "application/jose"})
    assert all(a.status_code == 200 for a in answers)
    assert thirty_first.status_code == 429 and thirty_first.json()["error"]["code"] == "verify_rate_limited"
    assert 1 <= int(thirty_first.headers["retry-after"]) <= 60 and posted.status_code == 429
    async with client(ds, "10.4.0.2") as other:
        assert (await other.get(f"/verify.json?no={no}&code={code}")).status_code == 200
    attach(ds, clock(2 * MINUTE))                         # a minute after the last of them
    async with client(ds, "10.4.0.1") as c:
        later = await c.get(f"/verify.json?no={no}&code={code}")
        assert later.status_code == 200, later.text


# --- verification of a presented file -------------------------------------------------------------

async def test_post_verify_with_the_signed_file_the_pdf_an_altered_byte_and_too_large(ds):
    async with client(ds) as c:
        no, code = issued_no_and_code(await issue(c))
        signed = (await c.get(f"/reports/{no}/{code}/report.jws")).content
        pdf = (await c.get(f"/reports/{no}/{code}/report.pdf")).content
        altered = bytearray(signed)
        altered[len(signed) // 2] = ord("A") if altered[len(signed) // 2] != ord("A") else ord("B")
        by_form = await c.post("/verify", files={"file": ("report.jws", signed, "application/jose")})
        by_pdf = await c.post("/verify.json", files={"file": ("report.pdf", pdf, "application/pdf")})
        tampered = await c.post("/verify.json", content=bytes(altered), headers={"content-type": "application/jose"})
        tampered_page = await c.post("/verify", files={"file": ("report.jws", bytes(altered), "application/jose")})
        big = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024)
        too_large = await c.post("/verify.json", files={"file": ("big.pdf", big, "application/pdf")})
        too_large_raw = await c.post("/verify", content=big, headers={"content-type": "application/pdf"})
        nothing = await c.post("/verify.json", files={"file": ("empty.jws", b"", "application/jose")})
        no_attachment = await c.post("/verify.json", content=pdf_with(None),
                                     headers={"content-type": "application/pdf"})
        garbage = await c.post("/verify.json", content=b"hello", headers={"content-type": "text/plain"})
    assert by_form.status_code == 200 and "核验结果：有效" in by_form.text and CERTIFIED in by_form.text
    assert "核验的是您提交的文件" in by_form.text
    assert by_pdf.json()["status"] == "valid" and by_pdf.json()["mode"] == "online"
    assert by_pdf.json()["summary"]["report_no"] == no and by_pdf.json()["links"] is None
    result = tampered.json()
    assert result["status"] == "tampered" and [ch["check"] for ch in result["checks"]] == ["signature"]
    assert result["summary"] is None
    assert tampered_page.text.count('<li class="check ') == 1 and "签名摘要" not in tampered_page.text
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "file_too_large"
    assert too_large_raw.status_code == 413 and "Traceback" not in too_large_raw.text
    assert nothing.status_code == 400 and nothing.json()["error"]["code"] == "file_missing"
    assert no_attachment.status_code == 400 and no_attachment.json()["error"]["code"] == "pdf_without_signed_file"
    assert garbage.json()["status"] == "tampered"


async def test_post_verify_needs_no_token_and_other_methods_are_refused(ds):
    async with client(ds) as c:
        await preview_token(c)                       # a cookie, and no token: still checked
        response = await c.post("/verify.json", content=b"x", headers={"content-type": "application/jose"})
        put = await c.put("/verify.json", content=b"x")
    assert response.status_code == 200 and response.json()["status"] == "tampered"
    assert put.status_code == 405 and "POST" in put.headers["allow"]


def test_a_presented_file_is_checked_in_a_child_with_memory_and_time_limits(state):
    checker = FileChecker(state, memory=384 * 1024 * 1024)
    try:
        assert checker.check(b"not a report", NOW)["status"] == "tampered"
        [child] = checker._idle
        limits = open(f"/proc/{child.process.pid}/limits").read()
        assert re.search(r"Max address space\s+402653184\s+402653184", limits)
        with pytest.raises(FileCheckError) as caught:
            checker.check(pdf_with(None), NOW)
        assert caught.value.code == "pdf_without_signed_file"
        child.process.kill()                         # a child that died is replaced
        child.process.wait()
        assert checker.check(b"not a report", NOW)["status"] == "tampered"
    finally:
        checker.close()
    impatient = FileChecker(state, timeout=0.001)
    try:
        with pytest.raises(FileCheckError) as caught:
            impatient.check(b"x" * (1 << 20), NOW)
        assert caught.value.code == "file_check_timeout"
        assert impatient._idle == []                 # the child was killed, not kept
    finally:
        impatient.close()


def test_a_file_is_checked_when_the_server_holds_over_a_thousand_descriptors(state):
    # (A busy server's pipes to its checker are numbered past 1024, where select() fails.)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if soft < wanted + 64:
        if hard != resource.RLIM_INFINITY and hard < wanted + 64:
            pytest.skip(f"this process may open only {hard} files")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted + 64, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(wanted)]
    checker = FileChecker(state)
    try:
        assert checker.check(b"not a report", NOW)["status"] == "tampered"
        assert checker._idle[0].process.stdout.fileno() >= 1024   # (the case select() fails on)
    finally:
        checker.close()
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# --- the public keys -------------------------------------------------------------------------------

async def test_jwks_publishes_report_keys_only_never_a_retired_one(built, state):
    with KeyRing.open(state, clock()) as ring:
        first = ring.current_key("report").kid
        ring.rotate("report")
        second = ring.current_key("report").kid
        ring.retire(first, "compromised")
        others = {k.kid for k in ring.keys() if k.purpose != "report"}
    async with client(site(built, state)) as c:
        response = await c.get("/.well-known/jwks.json")
    keys = response.json()["keys"]
    assert response.status_code == 200 and response.headers["cache-control"].startswith("public")
    assert [k["kid"] for k in keys] == [second]
    assert all(k["purpose"] == "report" and set(k) >= {"kty", "crv", "x", "kid"} and "d" not in k for k in keys)
    assert not {k["kid"] for k in keys} & others


# --- a real server ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_server_issues_verifies_and_refuses_a_body_over_5_mb(built, state):
    port = _free_port()
    env = {**os.environ, "PUBLISH_NOW": NOW.isoformat(), "PUBLISH_BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen([sys.executable, "-m", "publish", "--state", str(state), "serve", "--build", str(built),
                                "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("服务已启动"), process.stderr.read()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            page = c.get(f"/report/{PENALISED}")
            token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
            issued = c.post(f"/report/{PENALISED}", data={"csrftoken": token})
            no, code = issued_no_and_code(issued)
            assert f"http://127.0.0.1:{port}/verify?no={no}" in issued.text   # the QR code's link
            pdf = c.get(f"/reports/{no}/{code}/report.pdf")
            checked = c.post("/verify.json", files={"file": ("report.pdf", pdf.content, "application/pdf")})
            huge = c.post("/verify.json", content=b"0" * (6 * 1024 * 1024), headers={"content-type": "application/pdf"})
            valid = c.get(f"/verify.json?no={no}&code={code}")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert checked.json()["status"] == "valid"
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "request_too_large"
    assert valid.json()["status"] == "valid"
    assert "Traceback" not in stderr and code not in stderr      # the access log masks the code
    assert f"/reports/{no}/*/report.pdf" in stderr
