"""Weights from pairwise comparisons: the Analytic Hierarchy Process (AHP).

A judge compares every pair of criteria on Saaty's 1-9 scale ("price is 3
times as important as experience"); the weights are the principal
eigenvector of that reciprocal matrix, normalised to sum to 1. How far the
judgements contradict each other is the consistency index
``CI = (λmax − n) / (n − 1)``; divided by the average CI of random matrices
of the same size (the random index, RI) it gives the consistency ratio CR.
Saaty's rule of thumb: judgements with CR above 0.1 should be revisited.

Source of the method, the RI table and the 0.1 threshold: T. L. Saaty,
*The Analytic Hierarchy Process*, McGraw-Hill, 1980 (RI for n = 1..10 as
tabulated there and repeated in Saaty, "Decision making with the analytic
hierarchy process", Int. J. Services Sciences 1(1), 2008).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from servicepact.domain.errors import InvalidInput, Problem

# Saaty (1980): average consistency index of random reciprocal matrices of order n.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}
CONSISTENCY_THRESHOLD = 0.1  # Saaty (1980): revisit judgements above a CR of 0.1
SCALE_MIN, SCALE_MAX = Fraction(1, 9), Fraction(9)  # Saaty's fundamental 1-9 scale
# Entries typed as decimals (0.333 for 1/3) are accepted when a_ij × a_ji is this close to 1.
RECIPROCAL_TOLERANCE = 0.01

Judgement = Fraction | float | int | str


@dataclass(frozen=True)
class AhpResult:
    weights: tuple[float, ...]  # principal eigenvector, normalised to sum to 1
    lambda_max: float
    ci: float  # consistency index (λmax − n) / (n − 1)
    ri: float  # Saaty's random index for this n
    cr: float  # consistency ratio CI / RI (0 for n ≤ 2, which are always consistent)
    n: int

    @property
    def consistent(self) -> bool:
        return self.cr <= CONSISTENCY_THRESHOLD

    @property
    def warning(self) -> str | None:
        if self.consistent:
            return None
        return (
            f"consistency ratio {self.cr:.3f} is above {CONSISTENCY_THRESHOLD}: "
            "the pairwise judgements contradict each other; revisit them (Saaty 1980)"
        )


def parse_judgement(value: Judgement) -> Fraction:
    """``3`` → 3; ``"1/3"`` → 1/3; ``0.2`` → 1/5 (floats go through their shortest text)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(str(value).strip())


def check_matrix(matrix: Sequence[Sequence[Judgement]], *, where: str = "matrix") -> np.ndarray:
    """Validate a pairwise comparison matrix and return it as floats; every problem is named."""
    problems: list[Problem] = []
    n = len(matrix)
    if n == 0:
        raise InvalidInput(problems=[Problem(where, "the matrix is empty")])
    if n > max(RANDOM_INDEX):
        problems.append(
            Problem(
                where,
                f"{n} criteria in one comparison; at most {max(RANDOM_INDEX)} (group them)",
            )
        )
    values: list[list[Fraction]] = []
    for i, row in enumerate(matrix):
        if len(row) != n:
            problems.append(Problem(f"{where}[{i}]", f"has {len(row)} entries; expected {n}"))
            values.append([Fraction(1)] * n)
            continue
        parsed: list[Fraction] = []
        for j, cell in enumerate(row):
            try:
                value = parse_judgement(cell)
            except (ValueError, ZeroDivisionError, TypeError):
                problems.append(Problem(f"{where}[{i}][{j}]", "is not a number", value=str(cell)))
                value = Fraction(1)
            if value <= 0:
                problems.append(Problem(f"{where}[{i}][{j}]", "must be positive", value=str(cell)))
                value = Fraction(1)
            parsed.append(value)
        values.append(parsed)
    if not problems:
        for i in range(n):
            if values[i][i] != 1:
                problems.append(
                    Problem(f"{where}[{i}][{i}]", "a criterion compared with itself must be 1")
                )
            for j in range(i + 1, n):
                product = float(values[i][j] * values[j][i])
                if abs(product - 1.0) > RECIPROCAL_TOLERANCE:
                    problems.append(
                        Problem(
                            f"{where}[{j}][{i}]",
                            f"must be the reciprocal of [{i}][{j}] = {values[i][j]} "
                            f"(i.e. {1 / values[i][j]})",
                            value=str(values[j][i]),
                        )
                    )
                if not SCALE_MIN <= values[i][j] <= SCALE_MAX:
                    problems.append(
                        Problem(
                            f"{where}[{i}][{j}]",
                            "is outside Saaty's 1/9..9 scale",
                            value=str(values[i][j]),
                        )
                    )
    if problems:
        raise InvalidInput(problems=problems)
    return np.array([[float(v) for v in row] for row in values], dtype=float)


def ahp_weights(matrix: Sequence[Sequence[Judgement]], *, where: str = "matrix") -> AhpResult:
    """Principal-eigenvector weights, λmax, CI and CR of a reciprocal comparison matrix."""
    a = check_matrix(matrix, where=where)
    n = a.shape[0]
    if n == 1:
        return AhpResult(weights=(1.0,), lambda_max=1.0, ci=0.0, ri=0.0, cr=0.0, n=1)
    eigenvalues, eigenvectors = np.linalg.eig(a)
    # Perron-Frobenius: a positive matrix has one real, largest eigenvalue whose eigenvector
    # has entries of one sign; taking the largest real part picks it.
    index = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[index].real)
    vector = np.abs(eigenvectors[:, index].real)
    weights = vector / vector.sum()
    # λmax ≥ n for every positive reciprocal matrix; tiny negatives are rounding.
    ci = max(0.0, (lambda_max - n) / (n - 1))
    ri = RANDOM_INDEX[n]
    cr = 0.0 if ri == 0 else ci / ri
    return AhpResult(
        weights=tuple(float(w) for w in weights),
        lambda_max=lambda_max,
        ci=ci,
        ri=ri,
        cr=cr,
        n=n,
    )
