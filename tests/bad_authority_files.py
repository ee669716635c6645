"""Bad authority CSV files in tests/fixtures/authorities/: (file, encoding, messages the
person must see). Shared by the CLI and upload-form tests, which must refuse them alike."""

BAD_FILES = [
    ("binary.csv", "auto", ["not a CSV text file", "NUL byte on line 2"]),
    ("empty.csv", "auto", ["The file is empty"]),
    ("header-only.csv", "auto", ["header row but no authorities"]),
    ("missing-name-column.csv", "auto", ["no name column", "“Email”, “Nation”, “Type”"]),
    (
        "duplicates.csv",
        "auto",
        [
            "Line 4: lines 2 and 4 have the same GSS code E06000023",
            "Line 5: lines 3 and 5 are the same body by name",
        ],
    ),
    ("invalid-emails.csv", "auto", ["Line 3: email “not-an-email” is not a valid address"]),
    ("formula.csv", "auto", ["Line 3: the “Name” cell looks like a spreadsheet formula"]),
    ("wrong-columns.csv", "auto", ["Line 3: has 2 cells but the header has 3 columns"]),
    (
        "long-cells.csv",
        "auto",
        [
            "Line 3: the name is 209 characters long; the limit is 200",
            "Line 4: email is 311 characters long; the limit is 254",
        ],
    ),
    (
        "windows-1252.csv",
        "utf-8",
        ["not valid UTF-8: it has the byte 0xF4 on line 3 (byte 86)", "Windows-1252"],
    ),
]
