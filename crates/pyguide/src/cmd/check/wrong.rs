//! Wrong solutions: every exercise keeps, in ```` ```python wrong ```` blocks, answers a learner
//! could plausibly write (an off-by-one, a missed case, a hard-coded answer). The check runs
//! each against the exercise's checks like the solution, and fails when one passes: checks
//! that accept a wrong answer teach the wrong thing.

use super::Verdict;
use pyguide_content::Exercise;
use std::path::Path;

/// Wrong solutions in the curriculum, and exercises that have none.
pub struct WrongCount {
    pub total: usize,
    pub missing: usize,
}

/// Reports every exercise without a wrong solution (an exercise must have at least one).
pub fn report_missing<'a>(exercises: impl Iterator<Item = (&'a Path, &'a Exercise)>) -> WrongCount {
    let mut count = WrongCount { total: 0, missing: 0 };
    for (file, ex) in exercises {
        count.total += ex.wrong.len();
        if ex.wrong.is_empty() {
            count.missing += 1;
            println!("FAIL {}:{}: exercise {} has no wrong solution", file.display(), ex.line, ex.id);
            println!(
                "  hint: add a ```python wrong block with an answer the checks must reject (an off-by-one, a missed case, a hard-coded answer)"
            );
        }
    }
    count
}

/// Reports a wrong solution that the checks accepted.
pub fn report_passed(at: &str, line: usize, verdict: &Verdict) {
    println!("FAIL {at}: its wrong solution at line {line} passes every check ({})", verdict.summary);
    println!("  hint: add a check that this answer fails, or make the wrong solution one a learner would write");
}
