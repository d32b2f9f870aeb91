import os
import pathlib

import pytest


@pytest.fixture(scope="session")
def data_dir():
    d = pathlib.Path(os.environ.get("BALER_DATA_DIR") or os.environ.get("BALER_DEFAULT_DATA_DIR", ""))
    if not (d / "lhcb").is_dir():
        pytest.fail(f"the shared data are not at '{d}': set BALER_DATA_DIR")
    return d


@pytest.fixture(scope="session")
def baler_bin():
    b = os.environ.get("BALER_BIN")
    if not b:
        pytest.fail("BALER_BIN is not set (ctest sets it)")
    return b
