"""Pure redaction: detectors turn text into spans, masks turn spans into text.

No I/O and no globals here: the build, the scanner and the tests call the same functions.
"""
