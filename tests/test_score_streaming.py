"""alliance-kit score streams: chunk by chunk gives what one piece gives, errors name the file's
rows across chunks, a failed run writes nothing, and each format keeps its types."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.engine import batch_scoring, tabular
from alliance_kit.engine.columns import match_columns
from alliance_kit.engine.table_writers import CsvWriter

WAI_ITEMS = [str(i) for i in range(1, 13)]


def run(kit, *args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=kit, **kwargs)


def wai_frame(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 6, size=(n, 12)).astype(object)
    values[rng.random((n, 12)) < 0.05] = ""
    frame = pd.DataFrame(values, columns=WAI_ITEMS)
    frame.insert(0, "client", [f"c{i:05d}" for i in range(n)])
    frame.insert(1, "note", ["" if i % 7 else f'say "hi", {i}\nline two' for i in range(n)])
    return frame


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of about 4 KB of CSV (a few dozen rows), 50 rows of Parquet and XLSX."""
    monkeypatch.setitem(tabular.open_table.__kwdefaults__, "block_bytes", 4096)
    monkeypatch.setitem(tabular.open_table.__kwdefaults__, "chunk_rows", 50)


def test_many_chunks_give_what_the_engine_gives_in_one_piece(kit, tmp_path, small_chunks):
    frame = wai_frame(1500)
    source = tmp_path / "wai.csv"
    frame.to_csv(source, index=False)
    output = tmp_path / "scored.csv"
    result = run(kit, "score", "wai-sr", source, "-o", output, "--flags", "--reasons")
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert len(scored) == 1500
    # the input's cells come back exactly, quoted newlines and commas included
    pd.testing.assert_frame_equal(scored[frame.columns], frame.astype(str))
    expected = kit.score("wai-sr", frame.drop(columns=["client", "note"])).to_frame(
        flags=True, reasons=True)
    for column in ["task", "bond", "goal", "total", "mean"]:
        got = pd.to_numeric(scored[column].replace("", np.nan)).to_numpy(float)
        np.testing.assert_array_equal(got, expected[column].to_numpy(float))
    reasons = scored["total_reason"].replace("", None)
    assert reasons.tolist() == expected["total_reason"].tolist()


def test_csv_number_text_and_quoting(tmp_path):
    table = pa.table({
        "text": ["plain", "a,b", 'say "x"', "line\nbreak", "cr\rhere", "", None],
        "whole": [35.0, -0.0, 1e15, 2.0, np.nan, None, 7.0],
        "part": [1 / 3, 0.1, -2.5, 1e-7, 1e20, None, 3.0],
        "flag": [True, False, None, True, False, None, True],
    })
    buffer = io.BytesIO()
    CsvWriter(buffer).write(table)
    assert buffer.getvalue().decode().split("\r\n") == [
        "text,whole,part,flag",
        "plain,35,0.3333333333333333,True",
        '"a,b",0,0.1,False',
        '"say ""x""",1000000000000000,-2.5,',
        '"line\nbreak",2,1e-7,True',
        '"cr\rhere",,1e+20,False',
        ",,,",
        ",7,3,True",
        "",
    ]


def test_a_bad_value_in_a_later_chunk_names_its_row_and_writes_nothing(kit, tmp_path,
                                                                       small_chunks):
    frame = wai_frame(400)
    frame.loc[350, "4"] = "9"
    frame.loc[399, "7"] = "x"
    source = tmp_path / "wai.csv"
    frame.to_csv(source, index=False)
    output = tmp_path / "out.csv"
    result = run(kit, "score", "wai-sr", source, "-o", output)
    assert result.exit_code == 1
    assert "row 352, column '4': 9 is not allowed: give one of 1, 2, 3, 4, 5" in result.output
    assert "row 401, column '7': 'x' is not a number" in result.output
    assert "2 bad value(s); nothing was written" in result.output
    assert not output.exists()
    assert not list(tmp_path.glob(".out.csv.partial*"))


def test_standard_output_gets_nothing_when_a_value_is_bad(kit, tmp_path):
    source = tmp_path / "wai.csv"
    frame = wai_frame(20)
    frame.loc[5, "1"] = "6"
    frame.to_csv(source, index=False)
    result = run(kit, "score", "wai-sr", source)
    assert result.exit_code == 1
    assert result.stdout == ""


def test_parquet_in_and_out_keeps_every_type(kit, tmp_path, small_chunks):
    n = 120
    source = tmp_path / "in.parquet"
    table = pa.table({
        "client": pa.array([f"c{i}" for i in range(n)]),
        "session": pa.array(np.arange(n), pa.int32()),
        "weight": pa.array(np.linspace(0, 1, n)),
        "seen": pa.array([dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i)
                          for i in range(n)]),
        "site": pa.array(["north", "south"] * (n // 2)).dictionary_encode(),
        "flagged": pa.array([i % 3 == 0 for i in range(n)]),
        **{item: pa.array((np.arange(n) + k) % 5 + 1, pa.int8())
           for k, item in enumerate(WAI_ITEMS)},
    })
    pq.write_table(table, source)
    output = tmp_path / "out.parquet"
    result = run(kit, "score", "wai-sr", source, "-o", output, "--flags")
    assert result.exit_code == 0, result.output
    back = pq.read_table(output)
    for name in table.column_names:
        assert back.schema.field(name).type == table.schema.field(name).type, name
        assert back.column(name).to_pylist() == table.column(name).to_pylist(), name
    assert back.schema.field("total").type == pa.float64()
    assert back.schema.field("task").type == pa.float64()
    assert back.num_rows == n


def test_xlsx_in_and_out(kit, tmp_path, small_chunks):
    frame = wai_frame(130).drop(columns=["note"])
    source = tmp_path / "in.xlsx"
    frame.replace("", None).to_excel(source, index=False)
    output = tmp_path / "out.xlsx"
    result = run(kit, "score", "wai-sr", source, "-o", output)
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(output).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("client", "1", "2") and rows[0][-1] == "mean"
    assert len(rows) == 131
    expected = kit.score("wai-sr", frame.drop(columns=["client"])).scores["total"]
    got = [r[rows[0].index("total")] for r in rows[1:]]
    assert [np.nan if v is None else v for v in got] == pytest.approx(
        expected.tolist(), nan_ok=True)
    assert all(isinstance(v, int | float) for v in got if v is not None)


def test_header_only_table_gives_header_only_output(kit, tmp_path):
    source = tmp_path / "empty.csv"
    source.write_text("client," + ",".join(WAI_ITEMS) + "\n")
    result = run(kit, "score", "wai-sr", source)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (
        "client," + ",".join(WAI_ITEMS) + ",task,bond,goal,total,mean\r\n").encode()


def test_byte_order_mark_and_accents(kit, tmp_path):
    source = tmp_path / "bom.csv"
    source.write_bytes("\ufeffcliente,".encode() + ",".join(WAI_ITEMS).encode()
                       + "\nJosé,1,2,3,4,5,1,2,3,4,5,1,2\n".encode())
    result = run(kit, "score", "wai-sr", source)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("José,1,2,")


def test_unreadable_inputs_are_clear_errors(kit, tmp_path):
    repeated = tmp_path / "twice.csv"
    repeated.write_text("a,a,1\n1,2,3\n")
    result = run(kit, "score", "wai-sr", repeated)
    assert result.exit_code == 1 and "'a' appear more than once" in result.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("client,1\nJos\xe9,1\n".encode("latin-1"))
    result = run(kit, "score", "wai-sr", latin)
    assert result.exit_code == 1 and "not UTF-8" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run(kit, "score", "wai-sr", empty)
    assert result.exit_code == 1 and "the file is empty" in result.output


def test_progress_bar_only_when_asked_or_on_a_terminal(kit, tmp_path):
    source = tmp_path / "wai.csv"
    wai_frame(50).to_csv(source, index=False)
    quiet = run(kit, "score", "wai-sr", source, "-o", tmp_path / "a.csv")
    assert "scoring" not in quiet.stderr  # stderr is not a terminal here
    shown = run(kit, "score", "wai-sr", source, "-o", tmp_path / "b.csv", "--progress")
    assert shown.exit_code == 0 and "scoring" in shown.stderr
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_score_chunk_is_the_one_place_a_chunk_is_scored(kit):
    """What #16's options plug into: one function, a chunk in, a table and errors out."""
    instrument = kit.instrument("wai-sr")
    batch = pa.RecordBatch.from_pandas(wai_frame(10).astype(str), preserve_index=False)
    match = match_columns(instrument, batch.schema.names)
    chunk = batch_scoring.score_chunk(instrument, batch, match, batch_scoring.ScoreOptions(),
                                      first_row=100)
    assert chunk.table.column_names[-5:] == ["task", "bond", "goal", "total", "mean"]
    assert chunk.errors == [] and chunk.error_total == 0
    bad = wai_frame(10).astype(str)
    bad.loc[3, "2"] = "0"
    chunk = batch_scoring.score_chunk(
        instrument, pa.RecordBatch.from_pandas(bad, preserve_index=False), match,
        batch_scoring.ScoreOptions(), first_row=100)
    assert chunk.table is None and [(e.row, e.column) for e in chunk.errors] == [(103, "2")]


def test_the_python_api_is_unchanged(kit):
    frame = wai_frame(5).drop(columns=["client", "note"])
    assert isinstance(alliance_kit.score(kit.instrument("wai-sr"), frame),
                      alliance_kit.ScoreResult)


def test_a_plugins_table_format_gets_the_whole_table_neutralized(tmp_path):
    from alliance_kit.types import Exporter

    written = []

    def write_tsv(frame, path):
        written.append(len(frame))
        frame.to_csv(path, sep="\t", index=False)

    class Demo:
        __name__ = "demo"

        @alliance_kit.hookimpl
        def register_exporters(self):
            return [Exporter("tsv", (".tsv",), write_tsv, "tab-separated")]

    kit = alliance_kit.build_kit(plugins_dir=tmp_path / "none", disabled=(), entry_points=False,
                                 extra=[Demo()])
    source = tmp_path / "wai.csv"
    frame = wai_frame(30).drop(columns=["note"])
    frame.loc[0, "client"] = "=1+1"
    frame.to_csv(source, index=False)
    output = tmp_path / "out.tsv"
    result = run(kit, "score", "wai-sr", source, "-o", output)
    assert result.exit_code == 0, result.output
    assert written == [30]
    back = pd.read_csv(output, sep="\t", dtype=str, keep_default_na=False)
    assert back["client"][0] == "'=1+1" and "total" in back.columns
