"""A pytest plugin that runs the collected tests in another order, to find tests that depend on the ones before.

    pytest -p tests.support.shuffled_order                        # reversed
    LITEMAAS_TEST_ORDER_SEED=7 pytest -p tests.support.shuffled_order   # shuffled with seed 7

Module- and session-scoped fixtures are still shared; only the order of the tests changes (pytest-randomly is not
among the pinned packages).
"""

from __future__ import annotations

import os
import random

SEED_VARIABLE = "LITEMAAS_TEST_ORDER_SEED"


def pytest_collection_modifyitems(items):
    seed = os.environ.get(SEED_VARIABLE)
    if seed is None:
        items.reverse()
    else:
        random.Random(int(seed)).shuffle(items)


def pytest_report_header(config):
    seed = os.environ.get(SEED_VARIABLE)
    return f"test order: {'reversed' if seed is None else f'shuffled with seed {seed}'}"
