"""bench/load.py's load generator (asyncio and aiohttp): visitors that load the form once,
then post reports with it, back to back (closed loop) or on schedule (open loop)."""

import asyncio
import random
import re
import time
import uuid
from typing import NamedTuple

PLACES = [
    ("Hamburg", "Altona", "22765"),
    ("Hamburg", "Eimsbüttel", ""),
    ("Berlin", "Kreuzberg", "10997"),
    ("Berlin", "", ""),
    ("München", "Schwabing", ""),
    ("Köln", "Ehrenfeld", "50823"),
    ("Frankfurt am Main", "", ""),
    ("Leipzig", "Connewitz", ""),
    ("Dresden", "", "01067"),
    ("Lüneburg", "", ""),
    ("Bad Tölz", "", ""),
    ("Castrop-Rauxel", "", ""),
]
PROBLEMS = ["no-signal", "no-data", "slow-data", "dropped-calls", "sms"]
TEXTS = [
    "Abends bricht die Verbindung ständig ab.",
    "Im Büro kein Empfang, draußen zwei Balken.",
    "Seit dem Update nur noch Edge.",
    "",
]


class Result(NamedTuple):
    """One answer. Times from time.perf_counter(): a generator that falls behind its schedule
    counts as latency."""

    scheduled: float
    seconds: float  # from scheduled to the answer
    kind: str  # "post" or "view"
    status: int  # 0: no answer
    accepted: bool
    body: str


# The cookie by which the site recognizes a browser that has just sent a report
# (complaints/intake/abuse.py, SENT_COOKIE).
SENT_COOKIE = "einzelfall_sent"


class Visitor:
    """One browser: the CSRF cookie and token from loading the form once."""

    def __init__(self, session, base):
        self.session, self.base = session, base
        self.token = None

    async def open_form(self):
        async with self.session.get(self.base + "/report/") as response:
            html = await response.text()
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]

    def forget_sent(self):
        """Each report is a new person's (an address of its own): without this, the next one
        would be asked whether it is the report sent before."""
        self.session.cookie_jar.clear(lambda morsel: morsel.key == SENT_COOKIE)


class Load:
    def __init__(self, base: str, stamp):
        self.base, self.stamp = base, stamp
        self.rng = random.Random(2011)  # noqa: S311 (made-up reports)
        self.address = 0
        self.results: list[Result] = []
        self.markers = set()  # the tokens of accepted reports
        self.sent = set()  # the tokens of every report sent

    def reset(self):
        self.results.clear()
        self.markers.clear()
        self.sent.clear()

    def report(self, marker: str) -> list[tuple[str, str]]:
        city, district, code = self.rng.choice(PLACES)
        data = [
            ("csrfmiddlewaretoken", None),
            ("form_stamp", self.stamp()),
            ("city", city),
            ("district", district),
            ("postal_code", code),
            ("technology", self.rng.choice(["2g", "3g", "4g", "5g", "unknown"])),
            ("frequency", self.rng.choice(["always", "daily", "weekly", "rarely"])),
            ("location", self.rng.choice(["indoor", "outdoor", "both", ""])),
            ("since", f"2026-0{self.rng.randint(1, 9)}"),
            ("description", f"{self.rng.choice(TEXTS)} [{marker}]".strip()),
            ("email", f"leser.{marker}@example.org" if self.rng.random() < 0.3 else ""),
            ("consent", "on"),
        ]
        data += [("problems", p) for p in self.rng.sample(PROBLEMS, self.rng.randint(1, 2))]
        return data

    def next_address(self) -> str:
        self.address += 1
        return f"10.{self.address >> 16 & 255}.{self.address >> 8 & 255}.{self.address & 255}"

    async def post(self, visitor: Visitor, path: str, scheduled: float):
        marker = uuid.uuid4().hex
        self.sent.add(marker)
        data = [
            (k, visitor.token if k == "csrfmiddlewaretoken" else v) for k, v in self.report(marker)
        ]
        headers = {"X-Real-IP": self.next_address()}
        status, body = 0, ""
        try:
            async with visitor.session.post(
                self.base + path, data=data, headers=headers, allow_redirects=False
            ) as response:
                visitor.forget_sent()  # before any other request of this visitor can go out
                status = response.status
                location = response.headers.get("Location", "")
                body = await response.text()
        except Exception as error:
            location, body = "", f"{type(error).__name__}: {error}"
        seconds = time.perf_counter() - scheduled
        accepted = status == 302 and (
            "/report/thanks/" in location if path == "/report/" else location == "/"
        )
        if accepted:
            self.markers.add(marker)
        self.results.append(Result(scheduled, seconds, "post", status, accepted, body))

    async def view(self, session, path: str, scheduled: float):
        status, body = 0, ""
        try:
            async with session.get(self.base + path) as response:
                status, body = response.status, await response.text()
        except Exception as error:
            body = f"{type(error).__name__}: {error}"
        seconds = time.perf_counter() - scheduled
        self.results.append(Result(scheduled, seconds, "view", status, False, body))


async def sessions(base: str, count: int):
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    shared = aiohttp.ClientSession(connector=connector, timeout=timeout)
    visitors = []
    for _ in range(count):
        session = aiohttp.ClientSession(
            connector=connector,
            connector_owner=False,
            timeout=timeout,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        )
        visitor = Visitor(session, base)
        await visitor.open_form()
        visitors.append(visitor)
    return shared, visitors


async def close(shared, visitors):
    for visitor in visitors:
        await visitor.session.close()
    await shared.close()


async def closed_loop(load: Load, path: str, seconds: float, in_flight: int) -> float:
    """Requests back to back from in_flight visitors for `seconds`: accepted per second."""
    shared, visitors = await sessions(load.base, in_flight)
    before = len(load.markers)
    deadline = time.perf_counter() + seconds

    async def worker(visitor):
        while time.perf_counter() < deadline:
            await load.post(visitor, path, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(worker(v) for v in visitors))
    elapsed = time.perf_counter() - started
    await close(shared, visitors)
    return (len(load.markers) - before) / elapsed


async def open_loop(load: Load, rate: float, seconds: float, views_rate: float = 0, events=()):
    """Reports started on schedule (rate per second) for `seconds`, and page views; events:
    (at seconds, function) run in a thread on the way. Returns the start time."""
    shared, visitors = await sessions(load.base, 50)
    tasks = []
    start = time.perf_counter()
    pending = sorted(events, key=lambda e: e[0])
    n, v = 0, 0
    loop = asyncio.get_running_loop()
    event_tasks = []
    while True:
        now = time.perf_counter() - start
        if now >= seconds:
            break
        while pending and pending[0][0] <= now:
            event_tasks.append(loop.run_in_executor(None, pending.pop(0)[1]))
        while n / rate <= now:
            tasks.append(
                asyncio.create_task(
                    load.post(visitors[n % len(visitors)], "/report/", start + n / rate)
                )
            )
            n += 1
        while views_rate and v / views_rate <= now:
            path = ("/", "/stats/", "/report/")[v % 3]
            tasks.append(asyncio.create_task(load.view(shared, path, start + v / views_rate)))
            v += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks, *event_tasks)
    await close(shared, visitors)
    return start


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
