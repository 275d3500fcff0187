"""Why a report was revoked: a code from a fixed list (data/report_revocation_reasons.yml),
each with one Chinese sentence that every verifier of the report is shown."""
from __future__ import annotations

from functools import lru_cache

import yaml

from ..errors import PublishError
from ..resources import data_file

REASONS_FILE = "report_revocation_reasons.yml"
# A report signed with a key later retired (compromised) verifies as revoked online, with this.
KEY_RETIRED = "签发本报告的签名密钥已被停用（可能已泄露），本报告不再有效，请重新出具报告。"


@lru_cache(maxsize=1)
def reasons() -> dict[str, str]:
    """code → sentence, in the file's order."""
    raw = yaml.safe_load(data_file(REASONS_FILE).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not raw:
        raise PublishError("invalid_reasons", f"撤销原因表应为“代码: 说明”的映射：{data_file(REASONS_FILE)}")
    for code, sentence in raw.items():
        if not isinstance(code, str) or not code.isidentifier() or not isinstance(sentence, str) or not sentence:
            raise PublishError("invalid_reasons", f"撤销原因表中有无效的一项：{code!r}")
    return dict(raw)


def check_reason(code: str) -> str:
    text = code.strip()
    if text not in reasons():
        choices = "；".join(f"{c}（{s}）" for c, s in reasons().items())
        raise PublishError("invalid_revoke_reason", f"未知的撤销原因：{code}（可选：{choices}）")
    return text


def sentence(code: str | None) -> str:
    """The sentence of a stored reason code (a code no longer in the list still reads as revoked)."""
    if not code:
        return ""
    return reasons().get(code, "本报告已被出具机构撤销。")
