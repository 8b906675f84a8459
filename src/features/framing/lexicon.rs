//! The weighted cues: each is a phrase, the pattern it evidences, and how many points it
//! is worth (a kind fires at `THRESHOLD`). Context (subject, negation, quotation) adjusts
//! the points in `context`; this file is only data.

use super::Pattern::{self, *};

/// Points a kind needs in one sentence to count as present.
pub(super) const THRESHOLD: i32 = 100;

#[derive(Debug)]
pub(super) struct Cue {
    pub(super) pattern: Pattern,
    pub(super) phrase: &'static str,
    pub(super) points: i32,
    /// Added when a person is the subject ("he made a mistake").
    pub(super) person_bonus: i32,
    /// Taken away when a piece of the system is the subject ("the check should have…").
    pub(super) system_penalty: i32,
    /// Evidence that only helps other cues (a vendor named, "closing"); it also counts
    /// from a neighbouring sentence, and is quoted back only when nothing stronger is.
    pub(super) support: bool,
    /// "Poor judgment is not a useful finding": a denial right after the phrase cancels it.
    pub(super) denied_after: bool,
    /// Imperatives ("don't …") only read as such at the start of a clause.
    pub(super) clause_start: bool,
    /// Extra words that cancel the cue from just before it, like negations do.
    pub(super) blockers: &'static str,
}

const fn cue(pattern: Pattern, phrase: &'static str, points: i32) -> Cue {
    Cue {
        pattern,
        phrase,
        points,
        person_bonus: 0,
        system_penalty: 0,
        support: false,
        denied_after: false,
        clause_start: false,
        blockers: "",
    }
}

impl Cue {
    const fn system(mut self, penalty: i32) -> Cue {
        self.system_penalty = penalty;
        self
    }
    const fn person(mut self, bonus: i32) -> Cue {
        self.person_bonus = bonus;
        self
    }
    const fn support(mut self) -> Cue {
        self.support = true;
        self
    }
    const fn denied_after(mut self) -> Cue {
        self.denied_after = true;
        self
    }
    const fn clause_start(mut self) -> Cue {
        self.clause_start = true;
        self
    }
    const fn blocked_by(mut self, words: &'static str) -> Cue {
        self.blockers = words;
        self
    }
}

/// Designing against human error ("removes the risk of human error") is the systemic
/// view we want.
const MITIGATIONS: &str = "reduce reduces reduced prevent prevents avoid avoids eliminate \
    eliminates minimise minimize risk chance room against removes remove";

pub(super) const CUES: &[Cue] = &[
    // ---- Blame: hunting for the person.
    cue(WhoDid, "^$nothunt who even|actually|just|originally? $culprit", 100),
    cue(WhoDid, "who $be responsible", 100),
    cue(WhoDid, "who $be the culprit", 100),
    cue(WhoDid, "whoever $culprit", 100),
    cue(WhyDidnt, "why ~2 $aux not $person", 100),
    cue(WhyDidnt, "why ~2 $aux $person not", 100),
    cue(WhyDidnt, "why ~2 $aux nobody|noone", 100),
    cue(WhyDidnt, "why ~2 $aux no one", 100),
    cue(IfOnly, "if only $person ~2 had", 100),
    // ---- Blame: verdicts on a decision or a person.
    cue(BadCall, "bad|poor|wrong|terrible|awful|stupid|dumb|questionable decision|decisions|choice|choices|idea|move", 100)
        .system(80)
        .denied_after(),
    // "A bad call to the payments API" is a request, not a judgment.
    cue(BadCall, "bad|poor|wrong|terrible|awful|stupid|dumb|questionable call !to", 100)
        .system(80)
        .denied_after(),
    cue(BadCall, "bad|poor|questionable|flawed judgment", 100).denied_after(),
    cue(BadCall, "error|errors|lapse|lapses in|of judgment", 100).denied_after(),
    cue(Mistake, "make+ ~2 mistake|mistakes|error|errors|blunder|blunders !in !$errcompound", 60)
        .person(50)
        .system(80),
    cue(Mistake, "mistake|mistakes|error|errors|blunder|blunders $be? made? by $person", 110),
    // "An engineer's error in the YAML": a mistake owned by someone (not "the user's error rate").
    cue(Mistake, "$individual 's error|errors|mistake|mistakes|blunder|blunders|screwup !$errcompound", 100),
    cue(Character, "careless|carelessly|carelessness|sloppy|sloppily|sloppiness|negligent|negligently|negligence|lazy|laziness|incompetent|incompetence|reckless|recklessly|recklessness|irresponsible|clumsy|thoughtless|inattentive|indefensible|inexcusable|unprofessional !$technical", 100)
        .denied_after(),
    cue(Character, "rookie|stupid|silly|dumb|amateur mistake|mistakes|error|errors|move", 100),
    cue(Character, "mess+|screw+|fuck+|cock+ ~2 up", 100).system(80),
    cue(Character, "blow+ it", 100).system(80),
    cue(Character, "lack+ of attention|care|diligence|rigor|rigour|discipline", 60)
        .person(50)
        .system(80),
    cue(Character, "drop+ the ball", 100).system(80),
    cue(Character, "botch+", 100).system(80),
    cue(Character, "fat finger+|fingered", 100).system(80),
    cue(Character, "nuke+", 60).person(50).system(80),
    cue(Character, "asleep at the wheel", 100),
    // "He didn't think it through" judges a person; "we didn't think it through" speaks for the team.
    cue(Character, "$individual clearly|just|really|simply? did|does|had not think+ it|this|that through", 100),
    cue(Character, "not pay+ attention", 100),
    // Only a past participle after "have" makes it a verdict on the past: "we should have
    // caught it", not "we should have alerting" or "the check should have a timeout".
    cue(ShouldHave, "should|ought not? to? have|of >$participle", 100).system(80),
    cue(ShouldHave, "never should|ought to? have|of >$participle", 100).system(80),
    cue(HumanError, "human|operator|user|pilot error|errors|mistake|mistakes !$errcompound", 100)
        .blocked_by(MITIGATIONS)
        .denied_after(),
    cue(Omission, "forgot|forgotten|neglected to", 100).system(80),
    cue(Omission, "did not|never bother+", 100),
    cue(Omission, "fail+ to $diligence", 100).system(80),
    cue(Omission, "$individual did not $diligence", 100),
    cue(Omission, "$individual never $diligence", 100),
    cue(Fault, "$person 's fault !$faultcompound", 100),
    cue(Fault, "my|his|her|their|your|our fault !$faultcompound", 100),
    cue(Fault, "fault of $person", 100),
    cue(Fault, "at fault", 100).system(80),
    cue(Fault, "to blame", 100).system(80),
    cue(Fault, "blame+ it? on", 100),
    cue(Fault, "put+|place+ the blame", 100),
    cue(Fault, "it|this|that ~1 $be ~1 on $individual", 100),
    cue(Fault, "$individual 's change|changes|commit|pr|deploy|push|code|migration|script|config ~1 broke|caused|took|killed !nothing", 100),
    cue(Omission, "ignore+ the|a|an|every|all? page|pages|alert|alerts|alarm|alarms|warning|warnings", 60)
        .person(50)
        .system(80),
    // ---- A single root cause.
    cue(RootCause, "$rc !analysis !analyses ~5 $be|lies|lay|lie !not !unclear !unknown !still !under !being", 100),
    cue(RootCause, "$causeadj? $rc ~2 :", 100),
    cue(RootCause, "root causing ~1 :", 100),
    cue(RootCause, "$causeadj cause|reason|culprit ~4 $be", 100),
    // A cause offered as a hypothesis ("Possible cause: …") is not a conclusion.
    cue(RootCause, "^possible|potential|likely|suspected|contributing|one|another cause|reason :", 100),
    cue(RootCause, "$causeadj cause|reason|culprit ~3 :", 100),
    cue(RootCause, "all|entirely|solely|only|purely|simply because|due", 100),
    cue(RootCause, "root caused ~3 to", 100),
    cue(RootCause, "rootcaused ~3 to", 100),
    cue(RootCause, "found|identified|determined|pinpointed|confirmed|traced the? $rc", 100),
    cue(RootCause, "$rc found|identified|determined|confirmed|established", 100),
    cue(RootCause, "$rc analysis|analyses showed|found|revealed|concluded|shows|identified", 100),
    cue(RootCause, "rca showed|found|revealed|concluded|shows|identified", 100),
    cue(RootCause, "rca :", 100),
    cue(RootCause, "cause ~4 $be simply|just|only|clearly|obviously|purely|entirely", 100),
    cue(RootCause, "the cause ~4 $be !still !unclear !unknown !not !under !being", 60),
    cue(RootCause, "caused|due|back|down by|to a|an|the? single|one|just|only|simply", 100),
    cue(RootCause, "cause|reason for|of $incident :", 100),
    cue(RootCause, "$incident $be caused|due solely|only|entirely|purely|simply|just? by|to", 100),
    cue(RootCause, "the? culprit $be", 100),
    cue(RootCause, "$be the culprit", 100),
    cue(RootCause, "boil+|come+ down to", 100),
    cue(RootCause, "root of the problem|issue|incident|outage ~2 $be", 100),
    cue(Finality, "end of story", 50).support(),
    cue(Finality, "plain and simple", 50).support(),
    cue(Finality, "that 's it|all", 50).support(),
    cue(Finality, "nothing else|more", 50).support(),
    // ---- Individual fixes: asking people to try harder.
    cue(Training, "more|additional|extra|mandatory|refresher|further|better|proper training|education|coaching|refresher|refreshers", 100),
    cue(Training, "refresher|refreshers on|for|course|session", 70),
    cue(Training, "be|been|get|gets|being coached|trained|retrained|educated", 100),
    cue(Training, "training|coaching session|sessions|course|courses|on|for|about", 70),
    cue(Training, "retrain+|educate+|upskill+", 100),
    cue(Training, "re train+", 100),
    cue(Training, "train+ $people", 80),
    cue(Training, "lunch and learn", 70),
    cue(Training, "workshop|workshops|brownbag", 70),
    cue(Training, "schedule+|organise+|organize+|arrange+|book+ ~2 training|trainings|workshop|workshops|refresher|refreshers", 100),
    cue(Vigilance, "be|being ~2 careful|cautious|vigilant|diligent|attentive|thorough|mindful|alert", 100),
    cue(Vigilance, "more|extra careful|carefully|cautious|cautiously|vigilant|diligent|attentive|thorough|thoroughly", 100),
    cue(Vigilance, "pay|paying more|closer|extra|better|special|careful attention", 100),
    cue(Vigilance, "take|taking more|extra|greater|better|special care", 100),
    cue(Vigilance, "pay+ attention", 60),
    cue(Vigilance, "look|think|try|read harder|closer", 100),
    cue(Vigilance, "double|triple check+ >$checkobject", 100).system(80),
    cue(Vigilance, "double|triple check+", 60).system(80),
    cue(Vigilance, "manually|personally verify+|check+|confirm+|inspect+", 70),
    cue(Vigilance, "stay+|remain+ alert|vigilant|focused", 100),
    // Asked of people ("more vigilance is needed"), not said of a design ("more caution in the defaults").
    cue(Vigilance, "more|extra|greater|better|increased vigilance|diligence|discipline|caution $be? needed|required|expected|necessary", 100),
    cue(Vigilance, "need+|require+|expect+ more|extra|greater|better|increased vigilance|diligence|discipline|caution", 100),
    cue(Vigilance, "$people must|always confirm+|verify+|check+|double", 70),
    cue(Reminder, "remind+ $people", 100),
    cue(Reminder, "reminder|reminders to $people", 100),
    cue(Reminder, "be|been|get|gets|are|is reminded", 100),
    cue(Reminder, "send+|post+|share+|circulate+ ~2 reminder|reminders|memo|psa", 100),
    cue(Reminder, "reminder|reminders|memo|psa sent|posted|shared", 100),
    cue(Reminder, "make sure $people know+|understand+|remember+|are|is", 100),
    cue(Reminder, "ensure $people know+|understand+|remember+|are|is", 100),
    cue(Reminder, "must|should|will|shall re? read|reread ~3 runbook|runbooks|guide|guides|docs|doc|documentation|process|policy|procedure|wiki|playbook", 100),
    cue(Checklist, "new|another|extra|additional checklist item|items|step|entry", 100),
    cue(Checklist, "checklist|checklists item|items|step|entry|line|point", 60),
    cue(Checklist, "add+|put+|include+|append+ ~8 checklist|checklists", 100),
    cue(DontRepeat, "please|just|so|pls? do|does not|never ~7 again", 100).clause_start(),
    cue(DontRepeat, "please|just|so|pls? do not|never ever? $action", 70).clause_start(),
    cue(DontRepeat, "avoid+ ~4 again", 100),
    cue(Prescriptive, "going forward", 30).support(),
    cue(Prescriptive, "from now on", 30).support(),
    cue(Prescriptive, "next time", 30).support(),
    cue(Prescriptive, "in the? future", 30).support(),
    cue(Prescriptive, "always|please|pls|must|will|shall", 30).support(),
    cue(Prescriptive, "should !have !of", 30).support(),
    cue(Prescriptive, "need+ to", 30).support(),
    cue(Prescriptive, "let 's", 30).support(),
    cue(Prescriptive, "lesson|lessons learned", 30).support(),
    cue(Prescriptive, "action|remediation|fix|fixes|followup :", 30).support(),
    cue(Prescriptive, "people|folks|everyone|everybody|guys|team|all $", 30)
        .support()
        .clause_start(),
    // ---- External attribution: the failure was somebody else's, so nothing to learn.
    cue(NothingWeCouldDo, "nothing|little ~4 can|could|would|might|will have? been? do|done|prevent|prevented|fix|fixed|avoid|avoided|change|changed", 100),
    cue(NothingWeCouldDo, "not much ~4 can|could|would|might have? do|done", 100),
    cue(NothingWeCouldDo, "can|could|would not have? do|done anything|much", 100),
    cue(NothingWeCouldDo, "nothing for? us|me|them|$people? to do|learn|fix|change|prevent !with", 100),
    // Without a vendor in sight, "nothing to be done" is resignation, not attribution.
    cue(NothingWeCouldDo, "nothing to be done|fixed|learned", 60),
    cue(NothingWeCouldDo, "can|could not ~1 control|change|fix|prevent", 60),
    cue(NothingWeCouldDo, "not much to do|learn", 100),
    cue(NothingWeCouldDo, "nothing on|from our end|side", 100),
    cue(NothingWeCouldDo, "not something ~2 can|could fix|do|control|prevent", 100),
    cue(NotOurs, "not our fault|problem|issue|bug|responsibility|doing|mistake|side|end", 100),
    cue(NotOurs, "not a|an us problem|issue|thing", 100),
    cue(NotOurs, "not ours", 100),
    cue(NotOurs, "not ~1 on us|me", 100),
    cue(NotOurs, "not us", 100),
    cue(NotOurs, "not caused by us|our", 100),
    cue(NotOurs, "outside|beyond of? our control|hands", 100),
    cue(NotOurs, "out of our hands|control", 100),
    cue(NotOurs, "their fault", 60),
    cue(NotOurs, "$vendor 's fault|doing|problem|issue|bug|mess", 100),
    cue(NotOurs, "blame+ $vendor", 100),
    cue(NotOurs, "it|this|that ~1 $be ~2 on $vendor", 100),
    cue(Vendor, "$vendor ~4 $outage", 50).support(),
    cue(Vendor, "$outage ~4 $vendor", 50).support(),
    cue(Vendor, "their|them end|side|api|apis|service|services|sdk|platform|status|outage|incident", 50).support(),
    cue(Vendor, "caused|due by|to $det? $vendor", 50).support(),
    cue(Vendor, "act of god", 50).support(),
    cue(Vendor, "force majeure", 50).support(),
    cue(Vendor, "victim of", 50).support(),
    cue(NoAction, "no ~2 action|actions|followup|remediation", 50).support(),
    cue(NoAction, "no ~1 follow up", 50).support(),
    cue(NoAction, "not actionable", 50).support(),
    cue(NoAction, "nothing actionable", 50).support(),
    cue(NoAction, "live with it|that", 50).support(),
    cue(NoAction, "will not fix", 50).support(),
    cue(NoAction, "closing|closed $", 50).support(),
    cue(NoAction, "closing|close|closed ~1 ticket|incident|issue|as|out|it|this", 50).support(),
    cue(NoAction, "wait+ it out", 50).support(),
    cue(NoAction, "moving|move on", 50).support(),
    cue(NoAction, "no lesson|lessons|learnings|takeaways", 50).support(),
    cue(NoAction, "wait+ for their|them", 50).support(),
    cue(NoAction, "wait+ for the? $vendor", 50).support(),
];
