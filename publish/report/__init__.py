"""The credit report (公共信用信息报告，无违法违规证明版), issue 15.

- `catalogue.py`: the field catalogue (data/report_fields.yml): the 38 fields, the record
  kinds that count, which authority belongs to which field (其他 for none).
- `content.py`: `report_content(conn, uscc, *, issue_day, years, fields)`, the report's content
  as plain JSON data, a pure function of the build, the issue day, the subject and the options;
  `ReportError` with stable codes.
- `texts.py`: every fixed sentence of the report, and its error messages.
- `numbers.py`: report numbers and verification codes; `signing.py`: the signed file (RFC 8785
  payload, EdDSA JWS; read from a file or a PDF's attachment); `registry.py`: issued reports
  and the code-guessing throttle in the state store; `revocation.py`: the reasons;
  `verify.py`: one structured verification answer; `issue.py`: issuing; `office.py`:
  `ReportOffice`, what the command line and the server hold to issue and verify.

Rendering (HTML, PDF) and the web routes are built on top: they call `ReportOffice` and
`verify.py` (README, "Credit report (issuing and verifying)").
"""
from .catalogue import Catalogue, Field, load_catalogue
from .content import ReportError, check_content, report_content

__all__ = ["Catalogue", "Field", "ReportError", "check_content", "load_catalogue", "report_content"]
