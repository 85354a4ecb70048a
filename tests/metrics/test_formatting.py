"""One number formatter (issue 22): tables, reports and model cards write numbers alike."""

from __future__ import annotations

import math

import torch

from ganzoo.api.data import to_uint8
from ganzoo.metrics.images import to_uint8_rgb
from ganzoo.metrics.numbers import (
    format_interval,
    format_mean_pm,
    format_number,
    format_pm,
    format_stat,
    format_value,
)


def test_unavailable_numbers_read_n_a_everywhere():
    assert format_value(None) == format_value(math.nan) == format_number(None) == "n/a"
    assert format_pm(None, 0.1) == "n/a" and format_interval(None) == ""


def test_each_kind_of_number_has_its_one_form():
    assert format_value(8.12345, 0.05671) == "8.1235 ± 0.0567"
    assert format_value(2.5, digits=3) == "2.500"
    assert format_number(0.0001234) == "0.000123" and format_number(12.3456) == "12.346"
    assert format_pm(0.0125, 0.003) == "0.013 ± 0.003"
    assert (
        format_mean_pm(2.864, math.nan) == "2.864"
        and format_mean_pm(2.864, 0.31) == "2.864 ± 0.310"
    )
    assert format_interval([2.5121, 3.2044]) == "[2.512, 3.204]"
    assert format_stat(0.123456) == "0.1235" and format_stat(7) == 7


def test_the_metrics_see_the_pixels_a_sample_file_holds():
    x = torch.linspace(-1.2, 1.2, 2 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    pixels = to_uint8(x)
    assert pixels.dtype == torch.uint8 and int(pixels.min()) == 0 and int(pixels.max()) == 255
    assert torch.equal(to_uint8_rgb(x), pixels.expand(-1, 3, -1, -1))
    assert int(to_uint8(torch.tensor([0.0]))) == 128  # round((0 + 1) / 2 * 255) = round(127.5)
