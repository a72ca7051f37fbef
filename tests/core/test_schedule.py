"""Next-run times (property tests, DST), the cross-process lock, and `sellintegro schedule`."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sellintegro_core.config import WEEKDAYS, ScheduleConfig
from sellintegro_core.schedule import ScenarioLock, in_active_window, next_run, slots_on
from tests.conftest import REPO, run_cli
from tests.core.conftest import write_scenario

TZ = "Europe/Warsaw"
ZONE = ZoneInfo(TZ)

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC))


@st.composite
def schedule_and_moment(draw):
    every = draw(st.sampled_from([5, 10, 15, 30, 45, 60, 90, 120, 240]))
    start = draw(st.integers(min_value=60, max_value=22 * 60 - 1))
    end = draw(st.integers(min_value=start + 1, max_value=23 * 60))
    days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    schedule = ScheduleConfig(every_minutes=every, hours=f"{start // 60}:{start % 60:02d}-{end // 60}:{end % 60:02d}",
                              weekdays=sorted(days, key=WEEKDAYS.index))
    return schedule, draw(moments)


@settings(max_examples=300, deadline=None)
@given(schedule_and_moment())
def test_next_run_is_the_first_valid_slot_after(pair):
    schedule, after = pair
    nxt = next_run(after, schedule, TZ)
    local = nxt.astimezone(ZONE)
    assert nxt > after
    assert in_active_window(nxt, schedule, TZ)
    assert WEEKDAYS[local.weekday()] in schedule.weekdays
    start, _end = schedule.active_minutes()
    assert (local.hour * 60 + local.minute - start) % schedule.every_minutes == 0
    # nothing scheduled was skipped between `after` and `nxt`
    day = after.astimezone(ZONE).date()
    while day <= local.date():
        for slot in slots_on(day, schedule, TZ):
            assert not (after < slot < nxt)
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(schedule_and_moment())
def test_next_run_is_monotonic(pair):
    schedule, after = pair
    first = next_run(after, schedule, TZ)
    assert next_run(first, schedule, TZ) > first
    assert next_run(first - timedelta(seconds=1), schedule, TZ) == first


def test_spring_forward_skips_the_missing_hour():
    # 2026-03-29: clocks jump 02:00 -> 03:00 in Warsaw; a 1:00-23:00 window every 30 min
    schedule = ScheduleConfig(every_minutes=30, hours="1:00-23:00")
    slots = slots_on(datetime(2026, 3, 29).date(), schedule, TZ)
    walls = [s.strftime("%H:%M") for s in slots]
    assert "02:00" not in walls and "02:30" not in walls
    assert walls[:3] == ["01:00", "01:30", "03:00"]
    after_130 = next_run(datetime(2026, 3, 29, 1, 30, tzinfo=ZONE), schedule, TZ)
    assert after_130 == datetime(2026, 3, 29, 3, 0, tzinfo=ZONE)
    elapsed = after_130.astimezone(UTC) - datetime(2026, 3, 29, 1, 30, tzinfo=ZONE).astimezone(UTC)
    assert elapsed == timedelta(minutes=30)


def test_fall_back_runs_the_repeated_hour_once():
    # 2026-10-25: 03:00 -> 02:00, the 02:xx wall times happen twice
    schedule = ScheduleConfig(every_minutes=30, hours="1:00-23:00")
    slots = slots_on(datetime(2026, 10, 25).date(), schedule, TZ)
    walls = [s.strftime("%H:%M") for s in slots]
    assert walls.count("02:00") == 1 and walls.count("02:30") == 1
    assert len(slots) == len(set(slots))
    utc_times = [s.astimezone(UTC) for s in slots]
    assert utc_times == sorted(utc_times)


def test_weekdays_and_hours_respected():
    schedule = ScheduleConfig(every_minutes=60, hours="8:00-16:00", weekdays=["mon", "fri"])
    saturday_evening = datetime(2026, 11, 28, 20, 0, tzinfo=ZONE)
    assert next_run(saturday_evening, schedule, TZ) == datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)
    assert next_run(datetime(2026, 11, 30, 16, 0, tzinfo=ZONE), schedule, TZ) == datetime(2026, 12, 4, 8, 0,
                                                                                        tzinfo=ZONE)


def test_lock_holds_across_processes(tmp_path):
    path = tmp_path / "s.lock"
    lock = ScenarioLock(path)
    assert lock.acquire()
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); from sellintegro_core.schedule import ScenarioLock; "
            f"from pathlib import Path; print(ScenarioLock(Path({str(path)!r})).acquire())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert other.stdout.strip() == "False"
    lock.release()
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert other.stdout.strip() == "True"


def test_run_refuses_while_another_run_holds_the_lock(scenario_dir):
    lock = ScenarioLock(scenario_dir / "sellintegro-state.db.test-shop.lock")
    assert lock.acquire()
    try:
        result = run_cli("run", str(scenario_dir / "shop.toml"))
        assert result.returncode == 4
        assert "another run of this scenario is in progress" in result.stderr
    finally:
        lock.release()
    assert run_cli("run", str(scenario_dir / "shop.toml")).returncode == 0


def test_schedule_command_runs_inside_window(scenario_dir):
    # SELLINTEGRO_NOW is a Friday 12:00 in Warsaw: inside the default window, so the first run is immediate
    result = run_cli("schedule", str(scenario_dir / "shop.toml"), "--max-runs", "1")
    assert result.returncode == 0, result.stderr
    assert "test-shop: ok" in result.stdout
    assert "next run 2026-11-20 12:30" in result.stdout


def test_schedule_refuses_manual_scenarios(scenario_dir):
    path = write_scenario(scenario_dir / "shop.toml")
    path.write_text(path.read_text() + '\n[schedule]\nmode = "manual"\n')
    result = run_cli("schedule", str(path), "--max-runs", "1")
    assert result.returncode == 2
    assert "schedule.mode" in result.stderr
