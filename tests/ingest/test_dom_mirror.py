"""The DOM mirror: snapshots, mutations, buffering of early mutations, target descriptions."""

from __future__ import annotations

from ingest_case_files import load_case

from ingest.dom import DomMirror, selector_of
from ingest.rrweb import to_events


def _page(body_children: list[dict]) -> dict:
    return {
        "type": 0,
        "id": 1,
        "childNodes": [
            {
                "type": 2,
                "tagName": "html",
                "id": 2,
                "attributes": {},
                "childNodes": [
                    {
                        "type": 2,
                        "tagName": "BODY",
                        "id": 3,
                        "attributes": {},
                        "childNodes": body_children,
                    }
                ],
            }
        ],
    }


def _button(node_id: int, text: str, **attrs: str) -> dict:
    return {
        "type": 2,
        "tagName": "button",
        "id": node_id,
        "attributes": attrs,
        "childNodes": [{"type": 3, "id": node_id + 1, "textContent": text}],
    }


def test_snapshot_builds_tree_with_lower_case_tags_and_ancestors() -> None:
    mirror = DomMirror()
    mirror.apply_snapshot(_page([_button(10, "Save")]))

    assert mirror.get(3).tag == "body"
    assert mirror.ancestors(11) == [10, 3, 2, 1]
    assert mirror.is_text_node(11) and not mirror.is_text_node(10)
    assert mirror.is_document(1)


def test_describe_gives_selector_text_attrs_and_interactive_ancestor() -> None:
    mirror = DomMirror()
    span = {
        "type": 2,
        "tagName": "span",
        "id": 20,
        "attributes": {"class": "icon"},
        "childNodes": [],
    }
    link = {
        "type": 2,
        "tagName": "a",
        "id": 21,
        "attributes": {"href": "/permits/1", "target": "_blank", "style": "color: red"},
        "childNodes": [span, {"type": 3, "id": 22, "textContent": "  Open\n permit  "}],
    }
    mirror.apply_snapshot(_page([_button(10, "Refresh", **{"class": "refresh big x"}), link]))

    assert mirror.describe(10) == {
        "tag": "button",
        "selector": "button.refresh.big",
        "text": "Refresh",
        "attrs": {"class": "refresh big x"},
        "interactive": {"tag": "button", "attrs": {"class": "refresh big x"}},
    }
    described = mirror.describe(20)
    assert described is not None
    assert described["selector"] == "span.icon"
    assert described["interactive"] == {
        "tag": "a",
        "attrs": {"href": "/permits/1", "target": "_blank"},
    }
    # A text node is described by its element; whitespace is collapsed.
    link_target = mirror.describe(22)
    assert link_target is not None and link_target["text"] == "Open permit"
    assert mirror.describe(999) is None


def test_describe_never_copies_input_values_but_labels_submit_buttons() -> None:
    mirror = DomMirror()
    field = {
        "type": 2,
        "tagName": "input",
        "id": 30,
        "childNodes": [],
        "attributes": {"type": "hidden", "name": "email", "value": "jane.doe@example.com"},
    }
    submit = {
        "type": 2,
        "tagName": "input",
        "id": 31,
        "childNodes": [],
        "attributes": {"type": "submit", "value": "Send"},
    }
    mirror.apply_snapshot(_page([field, submit]))

    hidden = mirror.describe(30)
    assert hidden is not None
    assert hidden["attrs"] == {"type": "hidden", "name": "email"}
    assert hidden["text"] == ""
    assert hidden["selector"] == 'input[name="email"]'
    send = mirror.describe(31)
    assert send is not None and send["text"] == "Send"
    assert send["interactive"] == {"tag": "input", "attrs": {"type": "submit"}}


def test_selector_prefers_id_then_class_then_name_then_href() -> None:
    assert selector_of("div", {"id": "main", "class": "x"}) == "#main"
    assert selector_of("div", {"id": "1 bad", "class": "card"}) == "div.card"
    assert selector_of("input", {"name": "q"}) == 'input[name="q"]'
    assert selector_of("a", {"href": "/x?id=1"}) == "a[href]"
    assert selector_of("p", {}) == "p"


def test_text_is_trimmed_to_200_characters() -> None:
    mirror = DomMirror()
    mirror.apply_snapshot(_page([_button(10, "word " * 100)]))

    described = mirror.describe(10)
    assert described is not None and len(described["text"]) == 200


def test_mutations_apply_removes_adds_texts_and_attributes() -> None:
    mirror = DomMirror()
    mirror.apply_snapshot(_page([_button(10, "Save")]))

    touched = mirror.apply_mutation(
        {
            "removes": [{"parentId": 3, "id": 10}],
            "adds": [{"parentId": 3, "nextId": None, "node": _button(40, "Saved")}],
            "texts": [{"id": 41, "value": "Saved!"}],
            "attributes": [{"id": 40, "attributes": {"disabled": "", "style": {"color": "red"}}}],
        }
    )

    assert touched == [10, 40, 41, 41, 40]
    assert mirror.get(10) is None and mirror.get(11) is None
    assert mirror.text_of(3) == "Saved!"
    assert mirror.get(40).attrs == {"disabled": "", "style": ""}


def test_add_with_next_id_is_inserted_before_that_sibling() -> None:
    mirror = DomMirror()
    mirror.apply_snapshot(_page([_button(10, "B")]))

    mirror.apply_mutation({"adds": [{"parentId": 3, "nextId": 10, "node": _button(20, "A")}]})

    assert mirror.text_of(3) == "AB"


def test_mutation_before_its_parent_is_buffered_then_applied() -> None:
    mirror = DomMirror()
    mirror.apply_mutation(
        {
            "adds": [{"parentId": 50, "nextId": None, "node": _button(60, "late")}],
            "texts": [{"id": 61, "value": "later"}],
        }
    )
    assert mirror.orphans == [60]

    mirror.apply_snapshot(
        _page([{"type": 2, "tagName": "iframe", "id": 50, "attributes": {}, "childNodes": []}])
    )

    assert mirror.orphans == []
    assert mirror.ancestors(60) == [50, 3, 2, 1]
    assert mirror.get(61).text == "later"


def test_second_snapshot_drops_mutations_buffered_for_the_old_document() -> None:
    mirror = DomMirror()
    mirror.apply_snapshot(_page([]))
    mirror.apply_mutation({"adds": [{"parentId": 70, "node": _button(71, "x")}]})

    mirror.apply_snapshot(
        _page([{"type": 2, "tagName": "div", "id": 70, "attributes": {}, "childNodes": []}])
    )

    assert mirror.get(71) is None and mirror.orphans == []


def test_deeply_nested_snapshot_does_not_recurse() -> None:
    node: dict = {"type": 3, "id": 5000, "textContent": "deep"}
    for node_id in range(4999, 3, -1):
        node = {"type": 2, "tagName": "div", "id": node_id, "attributes": {}, "childNodes": [node]}
    mirror = DomMirror()
    mirror.apply_snapshot(_page([node]))

    assert len(mirror.ancestors(5000)) == 4999
    assert mirror.text_of(1) == "deep"


def test_state_round_trip_keeps_nodes_and_pending_mutations() -> None:
    mirror = DomMirror()
    mirror.apply_snapshot(_page([_button(10, "Save")]))
    mirror.apply_mutation({"adds": [{"parentId": 90, "node": _button(91, "x")}]})

    copy = DomMirror.from_state(mirror.to_state())

    assert copy.describe(10) == mirror.describe(10)
    assert copy.orphans == [91]


def test_iframe_fixture_builds_nested_documents_without_orphans() -> None:
    mirror = DomMirror()
    to_events(load_case("rrweb/rrweb-fixture-iframe.json"), mirror)

    assert mirror.orphans == []
    # The last mutation removed node 64 (the doctype of iframe three's document).
    assert mirror.get(64) is None
    # Body 61 of iframe three's document sits inside iframe two's document (root 39).
    assert mirror.ancestors(61) == [59, 58, 54, 52, 41, 39, 38, 5, 3, 1]
    assert mirror.get(54).attrs["id"] == "three"
