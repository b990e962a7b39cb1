"""Route planning: a hand-built room with a known answer, the 20 synthetic scans (every kept question
is re-executed from its rendered text), the wording, letter balance and the named errors."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from vsi100k.errors import ConfigError
from vsi100k.facts.schema import Box, ObjectFacts, SceneFacts
from vsi100k.geometry import free_space as fs
from vsi100k.tasks import route_planning as rp
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.common import CategoryIndex
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.templates import TemplateError


def hand_facts(objects, outline, scene_id="scene0900_00") -> SceneFacts:
    """Facts of (raw label, category, centre xyz, extent xyz) axis-aligned boxes; distances unused (0)."""
    objs = []
    for i, (raw, category, center, extent) in enumerate(objects, start=1):
        box = Box(np.asarray(center, float), np.asarray(extent, float), np.eye(3))
        objs.append(ObjectFacts(i, raw, category, 100, {m: box for m in ("oriented", "axis_aligned", "gravity_aligned")}))
    ids = [o.instance_id for o in objs if o.category is not None]
    distances = {(a, b): 1.0 for a in ids for b in ids if a < b}
    return SceneFacts(scene_id, tuple(objs), distances, 36.0, [outline], box_method="gravity_aligned")


ROOM = [[0.0, 0.0], [6.0, 0.0], [6.0, 6.0], [0.0, 6.0], [0.0, 0.0]]
DIVIDED = [
    ("floor", None, (3.0, 3.0, 0.0), (6.0, 6.0, 0.0)),
    ("cabinet", None, (1.75, 3.0, 0.5), (3.5, 0.4, 1.0)),  # a divider from the west wall to x = 3.5
    ("sofa", "sofa", (2.0, 0.3, 0.4), (0.8, 0.4, 0.8)),  # against the south wall
    ("plant", "plant", (4.8, 3.4, 0.5), (0.4, 0.4, 1.0)),  # beyond the divider's end
    ("piano", "piano", (2.0, 5.4, 0.6), (1.4, 0.6, 1.2)),  # against the north wall, behind the divider
    ("clock", "clock", (0.03, 3.5, 1.7), (0.05, 0.4, 0.4)),  # high on the west wall
]


def test_known_route_around_a_divider():
    """Sofa -> piano must go round the divider's east end by the plant: heading ~44 deg, then ~136 deg
    (a left turn). Facing the clock (~125 deg) the first turn is right; facing the piano it would be
    ambiguous (~46 deg) and facing the plant there would be no first turn (one fill-in only)."""
    facts = hand_facts(DIVIDED, ROOM)
    questions = [q for q in rp.generate(facts, QuestionConfig(), np.random.default_rng(0)) if isinstance(q, Question)]
    (q,) = [q for q in questions if q.details["start"] == "sofa" and q.details["goal"] == "piano"]
    assert q.details["facing"] == "clock"
    assert q.details["landmarks"] == ["plant", "piano"]
    assert q.answer == "Turn Right, Turn Left"
    assert q.options[ord(q.ground_truth) - 65] == f"{q.ground_truth}. Turn Right, Turn Left"
    assert q.question == (
        "You are a robot beginning at the sofa and facing the clock. You want to navigate to the piano. You will "
        "perform the following actions (Note: for each [please fill in], choose either 'turn back,' 'turn left,' or "
        "'turn right.'): 1. [please fill in] 2. Go forward until the plant 3. [please fill in] 4. Go forward until "
        "the piano. You have reached the final destination."
    )
    first, junction = q.details["turn_angles_deg"]
    assert 260 < first < 290 and 75 < junction < 105
    assert q.details["shortest_path_m"] <= q.details["route_length_m"] <= 1.4 * q.details["shortest_path_m"] + 0.5


def test_divider_obstacles_and_floor_rules():
    facts = hand_facts(DIVIDED, ROOM)
    ids = rp.obstacle_ids(facts, rp.RouteConfig())
    labels = sorted(facts.object(i).raw_label for i in ids)
    assert labels == ["cabinet", "piano", "plant", "sofa"]  # floor (flat) and clock (high) are not obstacles
    grid = rp.floor_map(facts, rp.RouteConfig())
    assert not grid.is_free(np.array([[1.0, 3.0]]))[0] and grid.is_free(np.array([[4.5, 1.0]]))[0]


@pytest.mark.parametrize(
    "objects,reason",
    [
        (DIVIDED[:4], "too_few_unique"),
        # the divider closes the room: nothing north of it is reachable from the south
        ([("cabinet", None, (3.0, 3.0, 0.5), (6.0, 0.4, 1.0))] + DIVIDED[2:], "no_path"),
    ],
)
def test_named_skip_reasons(objects, reason):
    facts = hand_facts(objects, ROOM)
    items = list(rp.generate(facts, QuestionConfig(), np.random.default_rng(0)))
    reasons = Counter(i.reason for i in items if isinstance(i, Skip))
    assert reasons[reason] >= 1
    if reason == "no_path":
        assert not any(isinstance(i, Question) and {i.details["start"], i.details["goal"]} == {"sofa", "piano"} for i in items)


def test_route_too_short_when_start_and_goal_are_neighbours():
    objects = DIVIDED[:3] + [("plant", "plant", (2.9, 0.3, 0.5), (0.4, 0.4, 1.0))] + DIVIDED[4:]
    items = list(rp.generate(hand_facts(objects, ROOM), QuestionConfig(), np.random.default_rng(0)))
    assert any(isinstance(i, Skip) and i.reason == "route_too_short" and i.detail in ("sofa -> plant", "plant -> sofa") for i in items)


# ---- the 20 synthetic scans -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_facts(synthetic_root):
    from vsi100k.facts.extract import extract_facts
    from vsi100k.scannet import load_scene

    dirs = sorted(p for p in synthetic_root.iterdir() if p.is_dir() and p.name.startswith("scene"))
    assert len(dirs) == 20
    return [extract_facts(load_scene(d)) for d in dirs]


@pytest.fixture(scope="module")
def synthetic_questions(synthetic_facts):
    out = []
    for facts in synthetic_facts:
        rng = np.random.default_rng([0, int(facts.scene_id[5:9]), int(facts.scene_id[10:])])
        items = list(rp.generate(facts, QuestionConfig(), rng))
        out.append((facts, [i for i in items if isinstance(i, Question)], Counter(i.reason for i in items if isinstance(i, Skip))))
    return out


def test_most_rooms_with_enough_objects_get_route_questions(synthetic_questions):
    enough = [(f, qs) for f, qs, _ in synthetic_questions if len(CategoryIndex(f).unique_categories()) >= 5]
    assert len(enough) >= 8
    with_questions = sum(bool(qs) for _, qs in enough)
    assert with_questions > len(enough) / 2, [(f.scene_id, len(qs)) for f, qs in enough]
    assert sum(len(qs) for _, qs, _ in synthetic_questions) >= 30


STEP = re.compile(r"(\d+)\. (\[please fill in\]|Go forward until the (.+?))(?= \d+\. |\. You have reached)")


def steps_from_text(question: str, turns: list[str]) -> list[tuple[str, str]]:
    """Parse the rendered actions back into executor steps, filling the blanks with `turns`."""
    body = question.split("'turn right.'): ", 1)[1]
    steps, it = [], iter(turns)
    for number, (index, step, landmark) in enumerate(STEP.findall(body), start=1):
        assert int(index) == number
        steps.append(("turn", next(it)) if step == "[please fill in]" else ("forward", landmark))
    assert next(it, None) is None, "more turns than blanks"
    return steps


WORD_OF = {"Turn Left": "left", "Turn Right": "right", "Turn Back": "back"}


def test_executor_reaches_the_goal_with_the_answer_only(synthetic_questions):
    checked = 0
    for facts, questions, _ in synthetic_questions:
        if not questions:
            continue
        grid = rp.floor_map(facts, rp.RouteConfig())
        index = CategoryIndex(facts)
        footprints = {name: rp.footprint(facts, index.instance(name)) for name in index.unique_categories()}
        for q in questions:
            start, facing, goal = re.match(
                r"You are a robot beginning at the (.+?) and facing the (.+?)\. You want to navigate to the (.+?)\. ", q.question
            ).groups()
            start_xy = np.array(q.details["start_xy"])
            assert fs.convex_distance(start_xy[None], footprints[start])[0] <= rp.RouteConfig().beside_m
            outcomes = {}
            for option in q.options:
                letter, text = option.split(". ", 1)
                turns = [WORD_OF[w] for w in text.split(", ")]
                steps = steps_from_text(q.question, turns)
                run = fs.execute_route(grid, start_xy, footprints[facing].mean(axis=0), steps, footprints, goal, 0.5)
                outcomes[letter] = run.reached
            assert outcomes == {letter: letter == q.ground_truth for letter in "ABCD"}, (q.scene_id, q.question, q.options)
            assert len(set(q.options)) == 4 and q.details["landmarks"][-1] == goal
            assert 2 <= len(q.details["landmarks"]) <= 5
            assert all(min(abs(a - c) for c in (45, 135, 225, 315)) >= 20 for a in q.details["turn_angles_deg"])
            checked += 1
    assert checked >= 30


def test_letters_are_balanced_per_scene_and_overall(synthetic_questions):
    total = Counter()
    for _, questions, _ in synthetic_questions:
        letters = Counter(q.correct_option for q in questions)
        total.update(letters)
        counts = [letters[x] for x in "ABCD"]
        assert max(counts) - min(counts) <= 1  # the balancer's blocks: any prefix is within one per letter
    n = sum(total.values())
    scenes = sum(bool(qs) for _, qs, _ in synthetic_questions)
    assert all(abs(total[x] - n / 4) <= scenes * 0.75 for x in "ABCD"), total


def test_skip_reasons_are_named(synthetic_questions):
    reasons = Counter()
    for _, _, skips in synthetic_questions:
        reasons.update(skips)
    allowed = {"too_few_unique", "no_floor_outline", "no_free_space_beside", "no_path", "route_too_short",
               "no_landmark_route", "landmark_not_unique", "ambiguous_turn", "too_few_turns", "executor_disagrees"}
    assert set(reasons) <= allowed
    assert reasons["executor_disagrees"] == 0
    assert reasons["no_path"] > 0 and reasons["route_too_short"] > 0 and reasons["landmark_not_unique"] > 0


def test_generation_is_deterministic(synthetic_facts):
    facts = next(f for f in synthetic_facts if f.scene_id == "scene0009_00")
    first = [q for q in rp.generate(facts, QuestionConfig(), np.random.default_rng(5))]
    second = [q for q in rp.generate(facts, QuestionConfig(), np.random.default_rng(5))]
    assert first == second and any(isinstance(q, Question) for q in first)


# ---- wording, options and errors ------------------------------------------------------------------

def test_actions_and_options_wording():
    wording = rp.load_route_wording()
    steps = [("forward", "table"), ("turn", "left"), ("forward", "door"), ("turn", "back"), ("forward", "refrigerator")]
    assert wording.actions(steps) == (
        "1. Go forward until the table 2. [please fill in] 3. Go forward until the door 4. [please fill in] "
        "5. Go forward until the refrigerator"
    )
    assert wording.option(("left", "back")) == "Turn Left, Turn Back"


def _plan(name: str, words: tuple[str, ...], junction: str = "left") -> rp.Plan:
    """A Plan over a two-leg route whose facings give the first turn words `words` (geometry unused)."""
    turn = fs.Turn(junction, 90.0, 45.0)
    route = rp.Route((f"{name}-landmark", f"{name}-goal"), (), (turn,), 3.0)
    facings = tuple(
        rp.Facing(f"{name}-{w}", fs.Turn(w, fs.NOMINAL_TURN_DEG[w], 45.0),
                  *rp.route_steps(route, fs.Turn(w, fs.NOMINAL_TURN_DEG[w], 45.0)))
        for w in words
    )
    return rp.Plan(f"{name}-start", f"{name}-goal", np.zeros(2), route, facings, 2.5, 2)


def _picks(plans: list[rp.Plan], seed: int) -> list[str]:
    balancer, plans, words = rp.TurnBalancer(np.random.default_rng(seed)), list(plans), []
    while plans:
        index, facing = balancer.pick(plans)
        assert facing in plans.pop(index).facings
        balancer.record(facing)
        words.append(facing.first_word)
    return words


@pytest.mark.parametrize("seed", range(5))
def test_first_turn_words_within_one_when_every_plan_allows_all_three(seed):
    words = _picks([_plan(f"p{i}", rp.TURN_WORDS) for i in range(10)], seed)
    for end in range(1, len(words) + 1):  # any prefix: what a per-scene cap keeps
        counts = Counter(words[:end])
        assert max(counts[w] for w in rp.TURN_WORDS) - min(counts[w] for w in rp.TURN_WORDS) <= 1, words
    assert sorted(Counter(words).values()) == [3, 3, 4]


def test_balancer_keeps_the_only_back_plan_for_back_and_varies_the_first_word():
    # five plans can only give left/right; one can give all three: it is used for "back"
    plans = [_plan(f"p{i}", ("left", "right")) for i in range(5)] + [_plan("all", rp.TURN_WORDS)]
    for seed in range(10):
        balancer = rp.TurnBalancer(np.random.default_rng(seed))
        rest, chosen = list(plans), {}
        while rest:
            index, facing = balancer.pick(rest)
            chosen[rest.pop(index).start] = facing.first_word
            balancer.record(facing)
        assert chosen["all-start"] == "back"
        assert Counter(chosen.values()) == {"left": 2, "right": 3, "back": 1} or Counter(chosen.values()) == {
            "left": 3, "right": 2, "back": 1}
    firsts = Counter(_picks([_plan("a", rp.TURN_WORDS)], seed)[0] for seed in range(60))
    assert set(firsts) == set(rp.TURN_WORDS) and min(firsts.values()) >= 10  # the first word of a scene is random


def test_balancer_needs_a_plan():
    with pytest.raises(ValueError, match=r"TurnBalancer\.pick needs at least one plan"):
        rp.TurnBalancer(np.random.default_rng(0)).pick([])


def test_back_appears_and_options_with_back_are_not_a_tell(synthetic_questions):
    questions = [q for _, qs, _ in synthetic_questions for q in qs]
    answers = [tuple(WORD_OF[w] for w in q.answer.split(", ")) for q in questions]
    assert sum("back" in a for a in answers) >= 2 and sum(a[0] == "back" for a in answers) >= 2
    distractors = [o.split(". ", 1)[1] for q in questions for o in q.options if not o.startswith(q.ground_truth + ".")]
    answer_share = sum("back" in a for a in answers) / len(answers)
    distractor_share = sum("Turn Back" in d for d in distractors) / len(distractors)
    assert abs(answer_share - distractor_share) < 0.1, (answer_share, distractor_share)


def test_distractors_differ_in_at_least_one_turn():
    rng = np.random.default_rng(0)
    for answer in [("left", "right"), ("back", "left", "left")]:
        for _ in range(20):
            ds = rp.distractor_turns(answer, rng)
            assert len(set(ds)) == 3 and answer not in ds and all(len(d) == len(answer) for d in ds)
    with pytest.raises(ValueError, match=r"a route with 1 turn\(s\) has only 2 other sequences; 3 are needed"):
        rp.distractor_turns(("left",), rng)
    with pytest.raises(ValueError, match=r"back_share must hold two probabilities in \[0, 1\], got \(1\.5, 0\)"):
        rp.distractor_turns(("left", "right"), rng, back_share=(1.5, 0))


def test_distractor_back_share_follows_the_setting():
    rng = np.random.default_rng(1)
    # no "back" drawn: the three other left/right sequences are the distractors
    assert sorted(rp.distractor_turns(("left", "right"), rng, back_share=(0.0, 0.0))) == [
        ("left", "left"), ("right", "left"), ("right", "right")]
    # an answer holding "back" leaves four left/right sequences to choose from
    for _ in range(20):
        assert not any("back" in d for d in rp.distractor_turns(("back", "left"), rng, back_share=(0.0, 0.0)))
    drawn = [d for _ in range(300) for d in rp.distractor_turns(("left", "right", "left"), rng, back_share=(0.5, 0.5))]
    share = sum(d[0] == "back" for d in drawn) / len(drawn)
    assert 0.4 < share < 0.6


def test_with_turns_fills_the_blanks_in_order():
    steps = (("turn", "left"), ("forward", "a"), ("turn", "right"), ("forward", "b"))
    assert rp.with_turns(steps, ("back", "left")) == [("turn", "back"), ("forward", "a"), ("turn", "left"), ("forward", "b")]


VALID_WORDING = {
    "steps": {"forward": "Go forward until the {landmark}", "fill_in": "[please fill in]", "numbered": "{number}. {step}",
              "step_separator": " "},
    "turns": {"left": "Turn Left", "right": "Turn Right", "back": "Turn Back"},
    "turn_separator": ", ",
}


@pytest.mark.parametrize(
    "change,message",
    [
        ({"steps": None}, r"steps must hold the strings forward, fill_in, numbered and step_separator"),
        ({"steps": {**VALID_WORDING["steps"], "forward": "Go to {x}"}}, r"steps\.forward must have exactly the placeholder \{landmark\}"),
        ({"steps": {**VALID_WORDING["steps"], "numbered": "{step}"}}, r"steps\.numbered must have exactly the placeholders \{number\} and \{step\}"),
        ({"turns": {"left": "L", "right": "R"}}, r"turns must map exactly \['left', 'right', 'back'\]"),
        ({"turns": {"left": "L", "right": "L", "back": "B"}}, r"turns must have distinct option words"),
        ({"turn_separator": ""}, r"turn_separator must be a non-empty string"),
    ],
)
def test_route_wording_errors_name_the_file(change, message):
    with pytest.raises(TemplateError, match=r"^route_planning\.json: " + message):
        rp.parse_route_wording({**VALID_WORDING, **change})


@pytest.mark.parametrize(
    "change,message",
    [
        ({"cell_m": 0}, r"RouteConfig\.cell_m must be a positive finite number, got 0"),
        ({"beside_m": 0.1}, r"RouteConfig\.beside_m \(0\.1\) must exceed robot_radius_m \(0\.15\)"),
        ({"turn_margin_deg": 45}, r"RouteConfig\.turn_margin_deg must be in \[0, 45\), got 45"),
        ({"min_legs": 1}, r"RouteConfig needs integers 2 <= min_legs <= max_legs <= 5, got 1 and 5"),
        ({"max_legs": 6}, r"RouteConfig needs integers 2 <= min_legs <= max_legs <= 5, got 2 and 6"),
        ({"min_fill_ins": 1}, r"RouteConfig\.min_fill_ins must be an integer >= 2"),
        ({"length_slack": 0.9}, r"RouteConfig\.length_slack must be >= 1 and length_slack_m >= 0, got 0\.9 and 0\.5"),
        ({"max_pairs": 0}, r"RouteConfig\.max_pairs must be an integer >= 1, got 0"),
        ({"distractor_back_first": 1.0}, r"RouteConfig\.distractor_back_first must be a probability in \[0, 1\), got 1\.0"),
        ({"distractor_back_junction": -0.1}, r"RouteConfig\.distractor_back_junction must be a probability in \[0, 1\)"),
    ],
)
def test_route_config_errors(change, message):
    with pytest.raises(ConfigError, match=message):
        replace(rp.RouteConfig(), **change)


def test_registered_in_the_vsibench_mix_only():
    from vsi100k.tasks.config import MIXES
    from vsi100k.tasks.registry import TASKS

    assert TASKS["route_planning"] is rp.TASK and rp.TASK.answer_kind == "choice"
    assert QuestionConfig(mix="vsibench").cap("route_planning") == pytest.approx(194 / 288)
    assert "route_planning" not in MIXES["vsi100k"].totals
