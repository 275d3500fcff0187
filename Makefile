# Two set-up commands (see README): `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
# State that outlives a build (the record-key secret, keys, reports, tokens, the audit log);
# the raw sample and the build sit beside it, never inside it.
STATE  ?= var/state
RAW    ?= var/raw
BUILD  ?= var/build
SAMPLE_ROWS ?= 2000
# The suite runs a second time with the clock three years ahead (libfaketime: a relative
# offset that reaches subprocesses and SQLite; the monotonic clock is not faked).
FAKE_OFFSET ?= +1096d
# Debian packages: what the site needs at run time (the report PDF's CJK font, TrueType so
# that ReportLab can embed it), and what the tests need besides (chromium for the browser
# tests, CJK fonts for its screenshots, libfaketime for the run three years ahead, poppler's
# pdffonts/pdftotext/pdftoppm and zbar's zbarimg to read the report PDFs back).
RUN_DEBS := fonts-wqy-zenhei
DEBS := chromium chromium-driver fonts-noto-cjk faketime poppler-utils zbar-tools
# Installs the Debian packages named in $(1) that are missing (nothing when all are there).
install_debs = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

.PHONY: run test lint bench venv native debs run-debs clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench,native]'
	touch $@

# The redaction stage's hot modules compiled with mypyc (redaction/native.py: a build from
# other sources is never loaded, so an edit without this step only runs slower).
NATIVE := redaction/_native.json
native: $(NATIVE)

$(NATIVE): $(VENV)/.installed $(wildcard redaction/*.py)
	PUBLISH_REDACTION_PURE=1 $(PY) -m redaction.compile >/dev/null

# What the site needs of Debian, for `make run` and `make test` alike (the Dockerfile installs
# the same).
run-debs:
	@$(call install_debs,$(RUN_DEBS))

# Debian's chromium for the browser tests (Playwright's own download is unreachable here).
debs: run-debs
	@$(call install_debs,$(DEBS))

run: venv native run-debs
	$(PY) -m publish --state $(STATE) keys init
	$(PY) -m publish sample --out $(RAW) --rows $(SAMPLE_ROWS)
	$(PY) -m publish --state $(STATE) build --input $(RAW) --out $(BUILD)
	$(PY) -m publish --state $(STATE) release --build $(BUILD)
	$(PY) -m publish --state $(STATE) serve --build $(BUILD)

lint: venv
	$(PY) -m ruff check publish redaction tests bench
	$(PY) -m mypy

test: venv native debs lint
	PUBLISH_REQUIRE_NATIVE=1 $(PY) -m pytest -q -p no:cacheprovider
	LD_PRELOAD=$$(ls /usr/lib/*/faketime/libfaketime.so.1 | head -n 1) FAKETIME="$(FAKE_OFFSET)" \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH=tests/faketime \
	  $(PY) -m pytest -q -p no:cacheprovider -m "not browser" -W ignore::DeprecationWarning

bench: venv native
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var redaction/*.so $(NATIVE)
