"""K2 in Reports: the satisfaction of a period, counted by the close that asked (`rating_survey.created_at`).

- surveys: the closes of the period that asked the shopper (in the chat or by e-mail);
- ratings: how many of those surveys were answered (one answer per close, whenever it came);
- average and distribution (how many 1s, 2s, ... 5s) of those ratings; share answered = ratings / surveys.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Rating, RatingSurvey
from services.ratings import SCALE


@dataclass(frozen=True)
class Satisfaction:
    surveys: int = 0
    ratings: int = 0
    distribution: tuple[int, ...] = (0, 0, 0, 0, 0)
    """How many ratings of 1, 2, 3, 4 and 5."""

    @property
    def average(self) -> float | None:
        if not self.ratings:
            return None
        return sum(score * count for score, count in zip(SCALE, self.distribution, strict=True)) / self.ratings

    @property
    def share_answered(self) -> float | None:
        return self.ratings / self.surveys if self.surveys else None


async def satisfaction(db: AsyncSession, *, start: datetime, end: datetime) -> Satisfaction:
    """The surveys asked in [start, end) and their ratings."""
    query = (select(col(Rating.rating), func.count(col(RatingSurvey.id)))
             .select_from(RatingSurvey)
             .join(Rating, col(Rating.survey_id) == col(RatingSurvey.id), isouter=True)
             .where(and_(col(RatingSurvey.created_at) >= start, col(RatingSurvey.created_at) < end))
             .group_by(col(Rating.rating)))
    counts = {score: count for score, count in await (await db.connection()).execute(query)}
    distribution = tuple(int(counts.get(score, 0)) for score in SCALE)
    return Satisfaction(surveys=int(sum(counts.values())), ratings=sum(distribution), distribution=distribution)
