"""The client's portfolio: parties, process catalogue and decision log (PRODUCT.md §2.1).

Applying a portfolio is an idempotent upsert, each change audited (``_portfolio.py`` holds
the steps, which ``contracts.apply_documents`` also runs with the contracts it stores).
"""

from __future__ import annotations

from servicepact.domain.access import Actor
from servicepact.domain.portfolio import Portfolio
from servicepact.services import _portfolio
from servicepact.services._portfolio import PortfolioOutcome
from servicepact.services.ports import Ports


def apply_portfolio(app: Ports, *, actor: Actor, portfolio: Portfolio) -> PortfolioOutcome:
    """Create or update the portfolio's entities to match ``portfolio``, in one transaction."""
    with app.uow() as uow:
        return _portfolio.apply_portfolio(uow, actor=actor, portfolio=portfolio)


def get_portfolio(app: Ports, *, actor: Actor) -> Portfolio:
    """The whole portfolio; it names every vendor, so vendor and broker users get none."""
    with app.uow(read_only=True) as uow:
        return _portfolio.get_portfolio(uow, actor=actor)
