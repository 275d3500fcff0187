"""The credit report (公共信用信息报告，无违法违规证明版), issue 15.

- `catalogue.py`: the field catalogue (data/report_fields.yml): the 38 fields, the record
  kinds that count, which authority belongs to which field (其他 for none).
- `content.py`: `report_content(conn, uscc, *, issue_day, years, fields)`, the report's content
  as plain JSON data, a pure function of the build, the issue day, the subject and the options;
  `ReportError` with stable codes.
- `texts.py`: every fixed sentence of the report, and its error messages.

Signing, the registry of issued reports, rendering and the web routes are built on top.
"""
from .catalogue import Catalogue, Field, load_catalogue
from .content import ReportError, check_content, report_content

__all__ = ["Catalogue", "Field", "ReportError", "check_content", "load_catalogue", "report_content"]
