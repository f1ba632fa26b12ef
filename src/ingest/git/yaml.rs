//! YAML as a parser reads it, with positions: which mapping keys a line sits
//! under, and the lines a node spans. Line rules guess both from indentation
//! and get flow style (`secretKeyRef: {name: s, key: k}`), quoted keys and
//! lists wrong; the parser does not. Helm templates are not YAML until they
//! are rendered, so they (and anything the parser rejects) stay with the line
//! rules.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// The documents of a YAML file, or `None` where the line rules must do:
/// a template (`{{ … }}` in the structure itself, outside quotes and GitHub
/// expressions) or text the parser rejects.
pub(crate) fn read(content: &str) -> Option<Vec<MarkedYaml<'_>>> {
    let templated = content.lines().any(|l| {
        let bare = unquoted(l);
        bare.match_indices("{{").any(|(at, _)| !bare[..at].ends_with('$')) || bare.trim_start().starts_with("{%")
    });
    if templated {
        return None;
    }
    MarkedYaml::load_from_str(content).ok()
}

/// A line with its quoted parts left out: `"{{ ns }}-chat.example.com"` is a
/// string, whatever renders it later.
fn unquoted(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    for ch in line.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '"' || ch == '\'' => quote = Some(ch),
            None => out.push(ch),
        }
    }
    out
}

/// A mapping's entries, keys as text (`None` for a node that is no mapping).
pub(crate) fn entries<'n, 'a>(node: &'n MarkedYaml<'a>) -> Vec<(&'n MarkedYaml<'a>, &'n MarkedYaml<'a>)> {
    match &node.data {
        YamlData::Mapping(m) => m.iter().collect(),
        YamlData::Tagged(_, inner) => entries(inner),
        _ => Vec::new(),
    }
}

/// A sequence's items (empty for a node that is no sequence).
pub(crate) fn items<'n, 'a>(node: &'n MarkedYaml<'a>) -> &'n [MarkedYaml<'a>] {
    match &node.data {
        YamlData::Sequence(s) => s,
        YamlData::Tagged(_, inner) => items(inner),
        _ => &[],
    }
}

/// A scalar as text: strings as written, numbers and booleans as YAML spells them.
pub(crate) fn text(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        YamlData::Tagged(_, inner) => text(inner),
        _ => None,
    }
}

/// The value under `key` in a mapping node.
pub(crate) fn get<'n, 'a>(node: &'n MarkedYaml<'a>, key: &str) -> Option<&'n MarkedYaml<'a>> {
    entries(node).into_iter().find(|(k, _)| text(k).as_deref() == Some(key)).map(|(_, v)| v)
}

/// The first line (1-based) a node starts on.
pub(crate) fn first_line(node: &MarkedYaml<'_>) -> u32 {
    node.span.start.line() as u32
}

/// The last line a node's content is on. A block collection's span ends where
/// the next token starts, so it is the last line of its deepest content; a
/// block scalar ends at the start of the line after it.
pub(crate) fn last_line(node: &MarkedYaml<'_>) -> u32 {
    let own = |n: &MarkedYaml<'_>| {
        let (start, end) = (n.span.start, n.span.end);
        if end.col() == 0 && end.line() > start.line() { end.line() - 1 } else { end.line() }
    };
    match &node.data {
        YamlData::Mapping(m) if !m.is_empty() => {
            m.iter().map(|(k, v)| last_line(k).max(last_line(v))).max().unwrap_or(0)
        }
        YamlData::Sequence(s) if !s.is_empty() => s.iter().map(last_line).max().unwrap_or(0),
        YamlData::Tagged(_, inner) => last_line(inner),
        _ => own(node) as u32,
    }
    .max(first_line(node))
}

/// The mapping keys line `line` sits under, outermost first: for
/// `OPENAI_API_KEY: x` under `env:` it ends with `env`, `OPENAI_API_KEY`;
/// for a line of a `run: |` script, with `run`.
pub(crate) fn key_path(docs: &[MarkedYaml<'_>], line: u32) -> Vec<String> {
    let mut path = Vec::new();
    let mut node = docs.iter().find(|d| first_line(d) <= line && line <= last_line(d));
    while let Some(n) = node {
        node = None;
        if let YamlData::Mapping(m) = &n.data {
            for (k, v) in m {
                let within = first_line(k) <= line && line <= last_line(v).max(last_line(k));
                if within {
                    path.push(text(k).unwrap_or_default());
                    node = Some(v);
                    break;
                }
            }
        } else if let Some(item) = items(n).iter().find(|i| first_line(i) <= line && line <= last_line(i)) {
            node = Some(item);
        } else if let YamlData::Tagged(_, inner) = &n.data {
            node = Some(inner);
        }
    }
    path
}

/// Every mapping in the documents, each with the keys it sits under.
pub(crate) fn mappings<'n, 'a>(docs: &'n [MarkedYaml<'a>]) -> Vec<(Vec<String>, &'n MarkedYaml<'a>)> {
    fn walk<'n, 'a>(
        node: &'n MarkedYaml<'a>,
        path: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, &'n MarkedYaml<'a>)>,
    ) {
        match &node.data {
            YamlData::Mapping(m) => {
                out.push((path.clone(), node));
                for (k, v) in m {
                    path.push(text(k).unwrap_or_default());
                    walk(v, path, out);
                    path.pop();
                }
            }
            YamlData::Sequence(s) => s.iter().for_each(|i| walk(i, path, out)),
            YamlData::Tagged(_, inner) => walk(inner, path, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for d in docs {
        walk(d, &mut Vec::new(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "kind: Deployment\nspec:\n  containers:\n    - name: agent\n      env:\n        - name: OPENAI_API_KEY\n          valueFrom:\n            secretKeyRef:\n              name: llm\n              key: openai\n        - {name: B, value: x}\n      run: |\n        echo one\n\n        echo two\n---\nkind: Secret\n";

    #[test]
    fn lines_are_placed_under_the_keys_the_parser_sees() {
        let docs = read(DEPLOYMENT).unwrap_or_default();
        assert_eq!(docs.len(), 2);
        let path = |l| key_path(&docs, l).join(".");
        assert_eq!(path(6), "spec.containers.env.name");
        assert_eq!(path(10), "spec.containers.env.valueFrom.secretKeyRef.key");
        assert_eq!(path(11), "spec.containers.env.name", "a flow entry is one line");
        assert_eq!(path(13), "spec.containers.run");
        assert_eq!(path(15), "spec.containers.run", "a block scalar's last line");
        assert_eq!(path(17), "kind", "the second document");
    }

    #[test]
    fn spans_cover_a_node_to_its_last_content_line() {
        let docs = read(DEPLOYMENT).unwrap_or_default();
        let env = mappings(&docs)
            .into_iter()
            .find(|(_, m)| get(m, "name").and_then(text).as_deref() == Some("OPENAI_API_KEY"))
            .map(|(_, m)| (first_line(m), last_line(m)));
        assert_eq!(env, Some((6, 10)));
    }

    #[test]
    fn templates_and_broken_yaml_are_left_to_the_line_rules() {
        assert!(read("data:\n  key: {{ .Values.key | b64enc }}\n").is_none());
        assert!(read("data:\n  {{- if .Values.key }}\n  key: x\n").is_none());
        assert!(read("a: [1, 2\nb: c: d\n").is_none());
        assert!(read("env:\n  A: ${{ secrets.A }}\n").is_some(), "a GitHub expression is a plain scalar");
        assert!(
            read("tls:\n  - hosts:\n      - \"{{ ns }}-chat.example.com\"\n").is_some(),
            "a quoted template is a string"
        );
    }
}
