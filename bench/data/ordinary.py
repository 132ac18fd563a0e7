"""Build the ordinary government-website corpus: interface strings with no personal data.

Combinatorial and deterministic (fixed seed): buttons, headings, breadcrumbs, notices, form
labels and validation errors, JS errors, file names and URLs, as a city website shows them.
Office phone numbers, emails and street addresses are left out on purpose: they are contact
data the policy redacts by type, whoever they belong to.

    python bench/data/ordinary.py  # writes bench/data/ordinary.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("ordinary.jsonl")

CITIES = ["springfield", "riverton", "lakewood", "fairview", "oakdale", "cedar-falls", "milton"]
DEPARTMENTS = [
    "Public Works",
    "Parks and Recreation",
    "Planning and Zoning",
    "Building Safety",
    "Water Utilities",
    "Finance",
    "Human Resources",
    "City Clerk",
    "Police Department",
    "Fire Department",
    "Public Library",
    "Transportation",
    "Housing Services",
    "Code Enforcement",
    "Economic Development",
    "Environmental Services",
    "Health Department",
    "Municipal Court",
    "Animal Services",
    "Solid Waste",
    "Emergency Management",
    "Information Technology",
    "Neighborhood Services",
    "Senior Services",
    "Youth Programs",
    "Arts and Culture",
]
SERVICES = [
    "Building Permit",
    "Parking Permit",
    "Business License",
    "Pet License",
    "Water Bill",
    "Parking Ticket",
    "Property Tax",
    "Trash Pickup",
    "Recycling Schedule",
    "Bulk Item Pickup",
    "Street Light Repair",
    "Pothole Report",
    "Graffiti Removal",
    "Tree Trimming Request",
    "Noise Complaint",
    "Public Records Request",
    "Marriage License",
    "Birth Certificate Copy",
    "Facility Rental",
    "Park Reservation",
    "Swim Lesson Registration",
    "Library Card",
    "Job Application",
    "Volunteer Sign-Up",
    "Event Permit",
    "Sidewalk Repair",
    "Fire Inspection",
    "Alarm Permit",
    "Short-Term Rental Registration",
    "Utility Assistance",
    "Bike Lane Feedback",
    "Snow Removal",
    "Leaf Collection",
    "Stormwater Fee",
]
VERBS = [
    "Apply for",
    "Pay",
    "Renew",
    "Report",
    "Request",
    "Schedule",
    "Cancel",
    "View",
    "Download",
    "Track",
    "Update",
    "Submit",
    "Find",
    "Check the status of",
    "Learn about",
    "Search",
]
SINGLE_BUTTONS = [
    "Submit",
    "Next",
    "Back",
    "Cancel",
    "Continue",
    "Save",
    "Save and continue",
    "Sign in",
    "Sign out",
    "Log in",
    "Create account",
    "Search",
    "Menu",
    "Close",
    "Open menu",
    "Skip to main content",
    "Translate",
    "Español",
    "Print",
    "Share",
    "Subscribe",
    "Unsubscribe",
    "Read more",
    "Show more",
    "Show less",
    "Apply filters",
    "Clear filters",
    "Reset",
    "Upload file",
    "Remove",
    "Edit",
    "Delete",
    "Confirm",
    "Yes",
    "No",
    "OK",
    "Help",
    "Contact us",
    "Give feedback",
    "Report a problem",
    "Accept all cookies",
    "Reject non-essential cookies",
    "Back to top",
    "Previous",
    "Go",
    "Add to calendar",
    "Get directions",
    "Start now",
    "Start application",
    "Review and submit",
]
FIELDS = [
    "first name",
    "last name",
    "email address",
    "phone number",
    "street address",
    "ZIP code",
    "date of birth",
    "account number",
    "permit number",
    "license plate",
    "message",
    "password",
    "city",
    "state",
    "apartment or unit",
    "case number",
    "parcel number",
    "vehicle make",
]
JS_PROPS = ["map", "length", "forEach", "id", "value", "name", "data", "then", "items", "style"]
JS_IDENTS = ["gtag", "jQuery", "ga", "dataLayer", "google", "Swiper", "L", "moment", "$", "_"]
HOLIDAYS = [
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Veterans Day",
    "Thanksgiving Day",
    "Christmas Day",
    "Juneteenth",
    "Presidents Day",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
QUERY_KEYS = ["page", "lang", "sort", "category", "type", "view", "tab", "step"]
QUERY_VALUES = ["2", "3", "es", "en", "newest", "events", "news", "list", "map", "overview"]


def slug(text: str) -> str:
    """URL slug of a label."""
    return "-".join("".join(c for c in word.lower() if c.isalnum()) for word in text.split())


def buttons(rng: random.Random) -> list[str]:
    out = list(SINGLE_BUTTONS)
    out += [f"{verb} {service}" for verb in VERBS for service in rng.sample(SERVICES, 14)]
    out += [
        f"{verb} a {service.lower()}" for verb in VERBS[:6] for service in rng.sample(SERVICES, 4)
    ]
    return out


def headings(rng: random.Random) -> list[str]:
    out = list(DEPARTMENTS)
    out += [f"About the {d}" for d in DEPARTMENTS]
    out += [f"{d} – {s}" for d in DEPARTMENTS for s in rng.sample(SERVICES, 3)]
    out += [f"{s} FAQ" for s in SERVICES]
    out += [f"{s}: Frequently Asked Questions" for s in rng.sample(SERVICES, 10)]
    out += [
        f"Home > {d} > {s}" for d in rng.sample(DEPARTMENTS, 12) for s in rng.sample(SERVICES, 3)
    ]
    out += [f"{d.upper()}" for d in rng.sample(DEPARTMENTS, 12)]
    out += [f"City Council Meeting – {m} {rng.randint(1, 28)}, 2025" for m in MONTHS]
    out += [f"{m} 2025 Newsletter" for m in MONTHS]
    return out


def notices(rng: random.Random) -> list[str]:
    out = []
    for _ in range(60):
        n = rng.randint(2, 40)
        out.append(f"Page {rng.randint(1, n)} of {n}")
        out.append(
            f"Showing {rng.randint(1, 20)}–{rng.randint(21, 40)} of {rng.randint(41, 900)} results"
        )
    out += [f"Updated {w}" for w in ("today", "yesterday", "just now")]
    out += [f"Updated {n} {u} ago" for n in range(2, 12) for u in ("minutes", "hours", "days")]
    out += [f"Last updated {m} {rng.randint(1, 28)}, 202{rng.randint(3, 5)}" for m in MONTHS]
    out += [f"Posted {d}, {m} {rng.randint(1, 28)}" for d in DAYS for m in rng.sample(MONTHS, 2)]
    out += [f"City offices are closed on {h}." for h in HOLIDAYS]
    out += [f"Trash pickup is delayed one day after {h}" for h in HOLIDAYS]
    out += [
        f"Office hours: {a}–{b}, {h}:00 am – {k}:00 pm"
        for a, b in (("Monday", "Friday"), ("Tuesday", "Saturday"))
        for h in (7, 8, 9)
        for k in (4, 5, 6)
    ]
    out += [
        f"Order {rng.randint(10**9, 10**10)}.00 {rng.choice('+-')}{rng.random():.2f}"
        for _ in range(30)
    ]
    out += [f"Amount due: ${rng.randint(10, 2500)}.{rng.randint(0, 99):02d}" for _ in range(30)]
    out += [
        f"Permit {rng.choice(['BLD', 'ELE', 'PLM', 'ROW'])}-2025-{rng.randint(100, 9999):04d}"
        for _ in range(30)
    ]
    out += [
        f"Step {i} of {n}: {s}"
        for n in (3, 4, 5)
        for i in range(1, n + 1)
        for s in ("Details", "Review")
    ]
    out += [f"{c}{n} (duplicate)" for c in "ABCD" for n in range(1, 6)]
    out += [
        f"Meeting starts at {h}:{m:02d} pm in Room {rng.randint(100, 350)}"
        for h in (5, 6, 7)
        for m in (0, 30)
    ]
    out += [f"{rng.randint(2, 95)}% complete" for _ in range(10)]
    out += [
        f"Version {rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}" for _ in range(10)
    ]
    out += [f"{rng.randint(1, 12)} items in cart" for _ in range(5)]
    out += [f"Agenda item {rng.randint(1, 30)}.{rng.randint(1, 9)}" for _ in range(15)]
    out += [f"Ordinance No. 2025-{rng.randint(1, 150):03d}" for _ in range(15)]
    out += [f"Resolution {rng.randint(2019, 2025)}-{rng.randint(1, 300)}" for _ in range(15)]
    return out


def form_text(rng: random.Random) -> list[str]:
    out = []
    for field in FIELDS:
        label = field[0].upper() + field[1:]
        out += [
            label,
            f"{label} (required)",
            f"Enter your {field}",
            f"Please enter a valid {field}.",
            f"{label} is required",
            f"{label} must be at least {rng.randint(2, 12)} characters",
            f"Confirm {field}",
        ]
    out += [f"Upload failed: file exceeds {n} MB" for n in (5, 10, 25, 50)]
    out += [f"You have {n} characters remaining" for n in (50, 100, 250, 500, 1000)]
    out += [f"Your session will expire in {n} minutes" for n in (1, 2, 5, 10)]
    return out


def js_errors(rng: random.Random) -> list[str]:
    out = [f"TypeError: Cannot read properties of undefined (reading '{p}')" for p in JS_PROPS]
    out += [f"TypeError: Cannot read properties of null (reading '{p}')" for p in JS_PROPS]
    out += [f"ReferenceError: {i} is not defined" for i in JS_IDENTS]
    out += [f"TypeError: {i} is not a function" for i in JS_IDENTS]
    out += [
        f"Uncaught (in promise) Error: Request failed with status code {c}"
        for c in (400, 401, 403, 404, 408, 429, 500, 502, 503, 504)
    ]
    out += [f"ChunkLoadError: Loading chunk {rng.randint(1, 999)} failed." for _ in range(20)]
    out += [
        "NetworkError when attempting to fetch resource.",
        "Failed to fetch",
        "Script error.",
        "ResizeObserver loop limit exceeded",
        "Load failed",
        "The operation was aborted.",
        "SecurityError: The operation is insecure.",
        "QuotaExceededError: The quota has been exceeded.",
    ]
    out += [
        f"TypeError: cannot read property {p} at t={rng.randint(16 * 10**11, 18 * 10**11)}"
        for p in JS_PROPS
    ]
    for _ in range(40):
        city = rng.choice(CITIES)
        out.append(
            f"at {rng.choice(JS_PROPS)} (https://www.{city}.gov/assets/js/"
            f"main.{rng.randint(1000, 9999)}"
            f".js:{rng.randint(1, 900)}:{rng.randint(1, 80)})"
        )
    return out


def files(rng: random.Random) -> list[str]:
    out = [f"FY{y} Adopted Budget.pdf" for y in range(2019, 2026)]
    out += [f"{s} Application Form (PDF, {rng.randint(80, 900)} KB)" for s in SERVICES]
    out += [f"{m} {y} Council Minutes.pdf" for m in MONTHS for y in (2024, 2025)]
    return out


PLACES = [
    "the new library entrance",
    "Riverside Park",
    "the community pool",
    "City Hall at night",
    "the farmers market",
    "volunteers planting trees",
    "the downtown bike lane",
    "snow plow routes",
    "the recycling center",
    "the fire station open house",
    "the skate park",
    "the senior center lunch program",
    "the historic train depot",
]


def alt_and_titles(rng: random.Random) -> list[str]:
    out = [f"Photo of {p}" for p in PLACES]
    out += [f"Map of {s.lower()} areas" for s in SERVICES]
    out += [f"Icon: {s}" for s in SERVICES]
    out += [f"Open {d} menu" for d in DEPARTMENTS]
    out += [f"Link to {d} on Facebook" for d in rng.sample(DEPARTMENTS, 10)]
    out += [f"{p.capitalize()} ({y})" for p in PLACES for y in (2023, 2024, 2025)]
    out += [f"Watch: {s} explained in {n} minutes" for s in SERVICES for n in (2, 3)]
    return out


def urls(rng: random.Random) -> list[str]:
    out = []
    for _ in range(800):
        city = rng.choice(CITIES)
        base = f"https://www.{city}.gov"
        dept, service = slug(rng.choice(DEPARTMENTS)), slug(rng.choice(SERVICES))
        shape = rng.randint(0, 7)
        if shape == 0:
            url = f"{base}/{dept}/{service}"
        elif shape == 1:
            url = f"{base}/{dept}?{rng.choice(QUERY_KEYS)}={rng.choice(QUERY_VALUES)}"
        elif shape == 2:
            url = f"{base}/news/2025/{rng.randint(1, 12):02d}/{service}-update"
        elif shape == 3:
            url = f"{base}/DocumentCenter/View/{rng.randint(100, 99999)}/{service}"
        elif shape == 4:
            url = f"{base}/{dept}#main-content"
        elif shape == 5:
            url = f"{base}/search?q={service.replace('-', '+')}&page={rng.randint(1, 9)}"
        elif shape == 6:
            url = f"{base}/calendar?month={rng.randint(1, 12)}&year=2025&view=list"
        else:
            url = f"/{dept}/{service}/faq"
        out.append(url)
    return out


def build(seed: int = 20261203) -> list[dict[str, str]]:
    """The corpus, as {kind, text} records, without duplicates."""
    rng = random.Random(seed)
    groups = [
        ("text", buttons(rng)),
        ("text", headings(rng)),
        ("text", notices(rng)),
        ("text", form_text(rng)),
        ("text", files(rng)),
        ("text", alt_and_titles(rng)),
        ("error", js_errors(rng)),
        ("url", urls(rng)),
    ]
    seen: set[tuple[str, str]] = set()
    records = []
    for kind, texts in groups:
        for text in texts:
            if (kind, text) not in seen:
                seen.add((kind, text))
                records.append({"kind": kind, "text": text})
    return records


if __name__ == "__main__":
    records = build()
    OUT.write_text("".join(json.dumps(r) + "\n" for r in records))
    print(f"wrote {len(records)} strings to {OUT}")
