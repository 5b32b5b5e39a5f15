"""The strict CSV reader: every malformed input names its file, row and column."""

from __future__ import annotations

import pandas as pd
import pytest

from aigap.sources.base import SourceFormatError, check_unique, read_csv, to_number


def write(tmp_path, text, name="f.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_reads_with_line_numbers_and_multiline_cells(tmp_path):
    path = write(tmp_path, 'a,b\n1,"x\ny"\n2,z\n')
    frame = read_csv(path, required=["a", "b"])
    assert list(frame.index) == [2, 4]
    assert frame.loc[2, "b"] == "x\ny"


def test_trailing_comma_and_preamble(tmp_path):
    path = write(tmp_path, 'junk\n\nmore\n\n"Code","1960",\n"USA","1.5",\n')
    frame = read_csv(path, required=["Code", "1960"], skip_lines=4)
    assert frame.loc[6, "1960"] == "1.5"


@pytest.mark.parametrize(
    "text, row, column, fragment",
    [
        ("a,c\n1,2\n", 1, "b", "missing column"),
        ("a,b\n1,2\n3\n", 3, None, "expected 2 fields"),
        ('a,b\n1,2\n3,"unterminated\n', 3, None, "truncated"),
        ("a,b\n", None, None, "no data rows"),
        ("a,a,b\n1,2,3\n", 1, "a", "duplicate column"),
    ],
)
def test_malformed_files(tmp_path, text, row, column, fragment):
    path = write(tmp_path, text)
    with pytest.raises(SourceFormatError) as info:
        read_csv(path, required=["a", "b"])
    assert fragment in str(info.value)
    assert info.value.row == row and info.value.column == column and info.value.file == str(path)


def test_empty_and_missing_file(tmp_path):
    with pytest.raises(SourceFormatError, match="empty"):
        read_csv(write(tmp_path, b""), required=["a"])
    with pytest.raises(SourceFormatError, match="not found"):
        read_csv(tmp_path / "nope.csv", required=["a"])


def test_wrong_encoding_names_the_line(tmp_path):
    path = write(tmp_path, "a,b\n1,2\nT\u00fcrkiye,3\n", encoding="latin-1")
    with pytest.raises(SourceFormatError) as info:
        read_csv(path, required=["a"], encoding="utf-8")
    assert info.value.row == 3 and "utf-8" in str(info.value)


def test_to_number_and_duplicates(tmp_path):
    path = write(tmp_path, "k,v\nA,70.10%\nB,\nC,x1\n")
    frame = read_csv(path, required=["k", "v"])
    with pytest.raises(SourceFormatError) as info:
        to_number(frame, "v", path, strip="%")
    assert (info.value.row, info.value.column) == (4, "v") and "x1" in str(info.value)
    good = to_number(frame.loc[[2, 3]], "v", path, strip="%")
    assert good[2] == 70.10 and pd.isna(good[3])
    dup = pd.DataFrame({"k": ["A", "A"]}, index=[2, 5])
    with pytest.raises(SourceFormatError) as info:
        check_unique(dup, ["k"], path)
    assert info.value.row == 5 and info.value.column == "k"
