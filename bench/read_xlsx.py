"""Reading an XLSX file of leads: python-calamine, openpyxl's read-only mode, and HighSeas' own
streaming reader (``highseas.intake.sheets.read_streamed``).

What it measures
    ``--rows`` generated leads (12 columns: names, companies, phones, emails, grades, regions…)
    written once with openpyxl's write-only mode, then read back row by row by each reader in a
    fresh child process: the seconds to iterate every row and the child's peak resident memory
    (``ru_maxrss``). openpyxl and the streaming reader parse the sheet's XML as it unpacks (the
    streaming reader also turns every cell into the text an import reads); calamine decodes the
    whole sheet into memory before the first row, so its memory grows with the file.

``ratio = openpyxl_s / calamine_s`` (above 1: calamine is faster); ``stream_ratio = openpyxl_s /
stream_s``. The last line of the output is one JSON object.

Usage::

    .venv/bin/python bench/read_xlsx.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = (
    "客户名称",
    "联系人",
    "手机",
    "电话",
    "邮箱",
    "客户级别",
    "客户来源",
    "客户行业",
    "省",
    "市",
    "区",
    "备注",
)


def generate(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(COLUMNS))
    chance = random.Random(13)
    for n in range(rows):
        sheet.append(
            [
                f"广州联创化工{n}有限公司",
                chance.choice(("李娜", "王伟", "张敏", "刘洋")),
                f"13{chance.randrange(10**9):09d}",
                f"020-{chance.randrange(10**8):08d}",
                f"lead{n}@example.cn" if n % 3 else None,
                chance.choice(("A（重点客户）", "B（普通客户）", "C（非优先客户）")),
                chance.choice(("展会", "官网", "转介绍")),
                chance.choice(("化工", "制造", "IT")),
                "广东省",
                "广州市",
                "天河区",
                "第一次联系于展会",
            ]
        )
    book.save(path)


def read(reader: str, path: str) -> None:
    """In the child: iterate every row, then print the seconds and the peak memory."""
    start = time.perf_counter()
    count = 0
    if reader == "calamine":
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(path)
        for _ in book.get_sheet_by_index(0).iter_rows():
            count += 1
    elif reader == "stream":
        from highseas.intake.sheets import read_streamed

        for _ in read_streamed(Path(path)).rows:
            count += 1
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        for _ in workbook.worksheets[0].iter_rows(values_only=True):
            count += 1
        workbook.close()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": count, "s": round(seconds, 2), "peak_mb": round(peak_mb, 1)}))


def measure(reader: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", reader, str(path)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        read(*args.child)
        return
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "leads.xlsx"
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        calamine = measure("calamine", path)
        openpyxl = measure("openpyxl", path)
        stream = measure("stream", path)
    for name, result in (("calamine", calamine), ("openpyxl", openpyxl), ("stream", stream)):
        print(f"{name:9} {result['s']:7.2f} s  peak {result['peak_mb']:7.1f} MB")
    summary = {
        "rows": args.rows,
        "columns": len(COLUMNS),
        "file_mb": round(size_mb, 1),
        "calamine_s": calamine["s"],
        "calamine_peak_mb": calamine["peak_mb"],
        "openpyxl_s": openpyxl["s"],
        "openpyxl_peak_mb": openpyxl["peak_mb"],
        "stream_s": stream["s"],
        "stream_peak_mb": stream["peak_mb"],
        "ratio": round(openpyxl["s"] / calamine["s"], 2),
        "stream_ratio": round(openpyxl["s"] / stream["s"], 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
