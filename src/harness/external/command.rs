//! The `command` of an external solver entry: split into words, its placeholders
//! checked when the suite is read and substituted when a run starts.
//!
//! Words are separated by whitespace; `'…'` and `"…"` group words with spaces (no
//! escapes inside, no shell expansion: to use a shell, write `sh -c '…'`). The
//! placeholders, substituted inside any word:
//!
//! | placeholder | value |
//! |---|---|
//! | `{instance}` | the instance file the harness wrote (required) |
//! | `{solution}` | where the command must write the solution file (required) |
//! | `{time_limit}` | the run's time limit in seconds |
//! | `{tol}` | the entry's `tol` (the entry must give one) |
//! | `{max_iters}` | the entry's `max-iters` (the entry must give one) |
//! | `{threads}` | the entry's `threads` (default 1) |

/// The placeholders a command may use.
pub const PLACEHOLDERS: [&str; 6] = [
    "instance",
    "solution",
    "time_limit",
    "tol",
    "max_iters",
    "threads",
];

/// The words of `command` (see the module docs).
pub fn words(command: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for ch in command.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => word.push(ch),
            None if ch == '\'' || ch == '"' => {
                quote = Some(ch);
                in_word = true;
            }
            None if ch.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(ch);
                in_word = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(format!("unbalanced {q} quote"));
    }
    if in_word {
        out.push(word);
    }
    if out.is_empty() {
        return Err("empty command".into());
    }
    Ok(out)
}

/// The placeholder names used in `word`, or an error for a `{` without `}`.
fn placeholders_of(word: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let j = after
            .find('}')
            .ok_or_else(|| format!("'{word}': '{{' without '}}'"))?;
        out.push(&after[..j]);
        rest = &after[j + 1..];
    }
    Ok(out)
}

/// Check a command when the suite is read: it splits, uses only known
/// placeholders, uses `{instance}` and `{solution}`, and `{tol}` / `{max_iters}`
/// only when the entry gives them.
pub fn check(command: &str, has_tol: bool, has_max_iters: bool) -> Result<(), String> {
    let words = words(command)?;
    let mut used = Vec::new();
    for w in &words {
        for p in placeholders_of(w)? {
            if !PLACEHOLDERS.contains(&p) {
                return Err(format!(
                    "unknown placeholder {{{p}}} (known: {})",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ));
            }
            used.push(p);
        }
    }
    for required in ["instance", "solution"] {
        if !used.contains(&required) {
            return Err(format!(
                "the command must contain {{{required}}} (where the harness puts the {})",
                if required == "instance" {
                    "instance file"
                } else {
                    "solution file it reads back"
                }
            ));
        }
    }
    if used.contains(&"tol") && !has_tol {
        return Err("{tol} is used but the entry gives no tol".into());
    }
    if used.contains(&"max_iters") && !has_max_iters {
        return Err("{max_iters} is used but the entry gives no max-iters".into());
    }
    Ok(())
}

/// The values of the placeholders for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    pub instance: String,
    pub solution: String,
    pub time_limit: f64,
    pub tol: Option<f64>,
    pub max_iters: Option<u32>,
    pub threads: usize,
}

/// The argument vector of one run: `command`'s words with the placeholders
/// replaced (a command that passed [`check`]; a missing optional value is left
/// as the placeholder's text).
pub fn substitute(command: &str, v: &Values) -> Result<Vec<String>, String> {
    let words = words(command)?;
    let num = |x: f64| crate::export::fmt_f64(x);
    let pairs: Vec<(&str, Option<String>)> = vec![
        ("{instance}", Some(v.instance.clone())),
        ("{solution}", Some(v.solution.clone())),
        ("{time_limit}", Some(num(v.time_limit))),
        ("{tol}", v.tol.map(num)),
        ("{max_iters}", v.max_iters.map(|m| m.to_string())),
        ("{threads}", Some(v.threads.to_string())),
    ];
    Ok(words
        .into_iter()
        .map(|w| {
            let mut w = w;
            for (key, value) in &pairs {
                if let Some(value) = value {
                    w = w.replace(key, value);
                }
            }
            w
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_whitespace_and_group_quotes() {
        assert_eq!(
            words("python3  'my dir/run.py' {instance} \"-o\"{solution}").unwrap(),
            vec!["python3", "my dir/run.py", "{instance}", "-o{solution}"]
        );
        assert_eq!(words("a '' b").unwrap(), vec!["a", "", "b"]);
        assert!(words("a 'b").is_err());
        assert!(words("   ").is_err());
    }

    #[test]
    fn placeholders_are_checked() {
        assert!(check("s {instance} {solution}", false, false).is_ok());
        assert!(check("s {instance}", false, false).is_err());
        assert!(check("s {instance} {solution} {budget}", false, false).is_err());
        assert!(check("s {instance} {solution} --tol {tol}", false, false).is_err());
        assert!(check("s {instance} {solution} --tol {tol}", true, false).is_ok());
        assert!(check("s {instance} {solution", false, false).is_err());
    }

    #[test]
    fn substitution_replaces_inside_words() {
        let v = Values {
            instance: "/t/i.cbf".into(),
            solution: "/t/s.sol".into(),
            time_limit: 2.5,
            tol: Some(1e-9),
            max_iters: None,
            threads: 1,
        };
        assert_eq!(
            substitute("run {instance} --out={solution} -t {time_limit} {tol}", &v).unwrap(),
            vec!["run", "/t/i.cbf", "--out=/t/s.sol", "-t", "2.5", "1e-9"]
        );
    }
}
