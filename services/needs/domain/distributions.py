"""Chi-squared and Student's t distributions in pure Python, for exact Poisson limits and
the mean's interval (PHEindicatormethods ``R/Rates.R`` and ``R/Means.R``).

The regularised incomplete gamma and beta functions (Numerical Recipes, 3rd edn, sections
6.2 and 6.4), inverted by bisection, so the needs service needs no scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

_ITERATION_LIMIT: Final = 10_000
_EPSILON: Final = 1e-16
_TINY: Final = 1e-300


def regularised_lower_gamma(a: float, x: float) -> float:
    """P(a, x), by series below a + 1 and Lentz's continued fraction above.

    Numerical Recipes (3rd edn) section 6.2; accurate to about 1e-15.
    """
    if a <= 0:
        raise ValueError("shape must be positive")
    if x <= 0:
        return 0.0
    log_prefix = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = 1.0 / a
        total = term
        shape = a
        for _ in range(_ITERATION_LIMIT):
            shape += 1
            term *= x / shape
            total += term
            if abs(term) < abs(total) * _EPSILON:
                break
        return min(1.0, total * math.exp(log_prefix))
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _ITERATION_LIMIT):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return max(0.0, 1.0 - math.exp(log_prefix) * h)


def chi_squared_cdf(x: float, degrees_of_freedom: float) -> float:
    """P(X <= x) for chi-squared with the given degrees of freedom."""
    return regularised_lower_gamma(degrees_of_freedom / 2, x / 2)


def chi_squared_quantile(p: float, degrees_of_freedom: float) -> float:
    """R's qchisq(p, df) to about 1e-12 relative, by bisection on the CDF.

    Needed for exact Poisson limits on small counts (PHEindicatormethods R/Rates.R).
    """
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    if degrees_of_freedom <= 0:
        raise ValueError("degrees of freedom must be positive")
    return _invert_increasing(lambda x: chi_squared_cdf(x, degrees_of_freedom), p, 0.0)


def regularised_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) by Lentz's continued fraction (Numerical Recipes section 6.4)."""
    if a <= 0 or b <= 0:
        raise ValueError("shapes must be positive")
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1 - x) / b


def student_t_cdf(t: float, degrees_of_freedom: float) -> float:
    """P(T <= t) for Student's t."""
    if degrees_of_freedom <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * regularised_incomplete_beta(
        degrees_of_freedom / 2, 0.5, degrees_of_freedom / (degrees_of_freedom + t * t)
    )
    return 1 - tail if t >= 0 else tail


def student_t_quantile(p: float, degrees_of_freedom: float) -> float:
    """R's qt(p, df), for the mean's interval (PHEindicatormethods R/Means.R)."""
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    if p < 0.5:
        return -student_t_quantile(1 - p, degrees_of_freedom)
    if p == 0.5:
        return 0.0
    return _invert_increasing(lambda t: student_t_cdf(t, degrees_of_freedom), p, 0.0)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab = a + b
    qap = a + 1
    qam = a - 1
    c = 1.0
    d = 1 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1 / d
    h = d
    for m in range(1, _ITERATION_LIMIT):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return h


def _invert_increasing(cdf: Callable[[float], float], p: float, lower: float) -> float:
    upper = 1.0
    while cdf(upper) < p:
        lower = upper
        upper *= 2
    for _ in range(_ITERATION_LIMIT):
        middle = (lower + upper) / 2
        if middle in (lower, upper) or upper - lower <= 1e-14 * upper:
            break
        if cdf(middle) < p:
            lower = middle
        else:
            upper = middle
    return (lower + upper) / 2
