"""Symbol names are checked wherever they enter: config, file names, partitions."""

import os
import threading

import dagster as dg
import pytest

from blofin_assets.defs.io_managers import SymbolPartitionIOManager
from blofin_assets.defs.partitions import sync_symbols
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.sources import make_source
from blofin_assets.market.sources.csv_folder import candle_files
from blofin_assets.market.symbols import check_symbol
from blofin_assets.market.synthetic import SyntheticMarket

BAD = [
    "../../../tmp/x/TRAVERSAL",
    "..",
    "BTC..USDT",
    "",
    "X" * 65,
    "BTC/USDT",
    ".hidden",
    "BTC\x1b[31mUSDT",  # a terminal escape
    "BTC\u202eTDSU",  # right-to-left override
    "BTC USDT",
    None,
]


@pytest.mark.parametrize("name", BAD, ids=repr)
def test_bad_names_are_refused_naming_the_name_and_the_rule(name):
    with pytest.raises(CandleDataError) as err:
        check_symbol(name, "somewhere")
    assert repr(name) in str(err.value) and "letters, digits and -_. only" in str(err.value)


@pytest.mark.parametrize("name", ["BTC-USDT", "EUR_USD", "BRK.B", "A", "X" * 64])
def test_usual_names_pass(name):
    assert check_symbol(name, "here") == name


def test_every_entry_point_checks(tmp_path):
    bad = "../../../tmp/x/TRAVERSAL"
    with pytest.raises(CandleDataError, match="candle source config: symbol '../../../tmp/x/TRAVERSAL'"):
        make_source(symbols=["BTC-USDT", bad])
    with dg.instance_for_test() as instance, pytest.raises(CandleDataError, match="symbol partitions"):
        sync_symbols(instance, ["BTC-USDT", bad])
    manager = SymbolPartitionIOManager(base_dir=str(tmp_path / "storage"))
    with pytest.raises(CandleDataError, match="features partition: symbol '../../planted'"):
        manager._folder(dg.AssetKey("features"), "../../planted")


def test_csv_folders_read_upper_case_names_and_refuse_odd_files_by_name(tmp_path):
    write_candle_csv(SyntheticMarket(symbols=("BTC-USDT",), candles_per_symbol=5).generate(), tmp_path)
    (tmp_path / "BTC-USDT.csv").rename(tmp_path / "ETH-USDT.CSV")
    assert list(candle_files(tmp_path)) == ["ETH-USDT"]
    (tmp_path / "..csv").write_text("")
    with pytest.raises(CandleDataError, match=r"symbol '\.' is not a valid symbol name"):
        candle_files(tmp_path)
    (tmp_path / "..csv").unlink()
    os.mkfifo(tmp_path / "x.csv")  # reading it would block forever
    result = {}
    reader = threading.Thread(target=lambda: result.update(error=pytest.raises(CandleDataError, candle_files, tmp_path)))
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "a FIFO blocked the source"
    assert "not a regular file" in str(result["error"].value)
