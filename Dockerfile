# The public site: build the sample (or mount real input at /data/raw) and serve it.
#   docker build -t credit-publisher .
#   docker run -p 8001:8001 -v $PWD/var:/app/var credit-publisher
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PUBLISH_STATE=/app/var TZ=Asia/Shanghai
WORKDIR /app

# The report PDF's Chinese font (TrueType, embedded by ReportLab): the Makefile's RUN_DEBS.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY publish ./publish
COPY redaction ./redaction
COPY plugins ./plugins
COPY templates ./templates
COPY static ./static
COPY data ./data
COPY metadata.yml ./
# The redaction stage's hot modules compiled with mypyc (redaction/native.py), then the
# compiler and mypy removed again: the site runs the extensions, not the tools.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir '.[native]' && PUBLISH_REDACTION_PURE=1 python -m redaction.compile \
    && pip uninstall -y mypy && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/* var

EXPOSE 8001
# Raw files in /app/var/raw are built into /app/var/build; without them, the sample is used.
CMD ["sh", "-c", "test -d var/raw || python -m publish sample --out var/raw; python -m publish build --input var/raw --out var/build && exec python -m publish serve --build var/build --host 0.0.0.0 --port 8001"]
