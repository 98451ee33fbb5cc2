"""K1's Reports page in NiceGUI's simulation: figures with the previous period, the empty state, the permission."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nicegui.testing import User

from db.models import Conversation, Customer, Message, Rating, RatingSurvey
from db.states import Author
from services.permissions import DEFAULT, Permission
from tests.conftest import App, add_staff, sign_in
from tests.report_data import fill_report_columns


async def test_reports_show_figures_and_tables_for_staff_who_may_see_them(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db, permissions=[*DEFAULT, Permission.SEE_REPORTS])
        shopper = Customer(email='r@example.com')
        db.add(shopper)
        await db.commit()
        started = datetime.now(UTC) - timedelta(hours=1)
        talk = Conversation(customer_id=shopper.id, started_at=started, last_message_at=started, topics=['shipping'])
        db.add(talk)
        await db.commit()
        db.add(Message(conversation_id=talk.id, author=Author.CUSTOMER, body='Where is it?', created_at=started))
        db.add(Message(conversation_id=talk.id, author=Author.STAFF, staff_id=ana.id, body='On its way',
                       created_at=started + timedelta(minutes=3)))
        survey_message = Message(conversation_id=talk.id, author=Author.SYSTEM, kind='survey', created_at=started)
        db.add(survey_message)
        await db.commit()
        survey = RatingSurvey(conversation_id=talk.id, message_id=survey_message.id, created_at=started,
                              expires_at=started + timedelta(days=14), answered_at=started)
        db.add(survey)
        await db.commit()
        db.add(Rating(survey_id=survey.id, conversation_id=talk.id, rating=4, created_at=started))
        await db.commit()
        await fill_report_columns(db, talk.id or 0)
    await sign_in(user)
    await user.open('/reports')
    await user.should_see('New conversations')
    await user.should_see('3 min')
    await user.should_see('Previous period: 0')
    await user.should_see(marker='table-staff.csv')
    staff_table = user.find(marker='table-staff.csv').elements.pop()
    assert [(row['name'], row['median']) for row in staff_table.rows] == [('Ana Berg', '3 min')]  # type: ignore[attr-defined]
    topics = user.find(marker='table-topics.csv').elements.pop()
    assert [row['key'] for row in topics.rows] == ['Shipping']  # type: ignore[attr-defined]  # its name, not its key
    channels = user.find(marker='table-channels.csv').elements.pop()
    assert [row['key'] for row in channels.rows] == ['Chat']  # type: ignore[attr-defined]
    await user.should_see('Satisfaction')
    await user.should_see('4.0 / 5')
    await user.should_see('100% (1 of 1 surveys)')
    user.find(marker='range').click()
    await user.should_see('Last month')


async def test_the_empty_state(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=[*DEFAULT, Permission.SEE_REPORTS])
    await sign_in(user)
    await user.open('/reports')
    await user.should_see('No conversations started in this period.')
    await user.should_see(marker='satisfaction-empty')


async def test_a_bad_custom_range_is_said_on_the_page_in_the_viewers_language(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=[*DEFAULT, Permission.SEE_REPORTS])
    await sign_in(user)
    await user.open('/reports')
    user.find(marker='range').elements.pop().value = 'custom'
    user.find(marker='first-day').elements.pop().value = '2026-03-02'
    user.find(marker='last-day').elements.pop().value = '2026-03-01'
    user.find('Show').click()
    await user.should_see('The first day must not be after the last day.')
    await user.should_see(marker='reports-error')


async def test_staff_without_the_permission_are_told_why(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, email='bo@example.com', name='Bo')
    await sign_in(user, 'bo@example.com')
    await user.should_not_see(marker='reports-link')
    await user.open('/reports')
    await user.should_see('You do not have the permission to see reports.')
