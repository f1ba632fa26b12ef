//! Dependency manifests: which packages a file declares, at which versions.

use serde_json::Value;

use super::watchlist::normalise;

/// What a file is to the approvals scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestKind {
    pub ecosystem: &'static str,
    /// A lockfile: resolved versions, direct and transitive.
    pub lockfile: bool,
}

/// The ecosystem a manifest or lockfile belongs to, by path; `None` for other files.
pub fn ecosystem(path: &str) -> Option<ManifestKind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_requirements_dir = path.split('/').rev().nth(1) == Some("requirements");
    let is_requirements = (name.contains("requirements") || in_requirements_dir || name.starts_with("constraints"))
        && (name.ends_with(".txt") || name.ends_with(".in"));
    let manifest = |ecosystem| Some(ManifestKind { ecosystem, lockfile: false });
    let lock = |ecosystem| Some(ManifestKind { ecosystem, lockfile: true });
    match name {
        _ if is_requirements => manifest("pypi"),
        "pyproject.toml" | "Pipfile" | "setup.cfg" => manifest("pypi"),
        "poetry.lock" | "uv.lock" | "Pipfile.lock" => lock("pypi"),
        "package.json" => manifest("npm"),
        "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml" => lock("npm"),
        "Cargo.toml" => manifest("crates"),
        "Cargo.lock" => lock("crates"),
        "go.mod" => manifest("go"),
        "Gemfile" => manifest("rubygems"),
        "Gemfile.lock" => lock("rubygems"),
        "pom.xml" | "build.gradle" | "build.gradle.kts" => manifest("maven"),
        _ => None,
    }
}

/// Declared (or locked) packages as `(normalised name, version)`, or why the file
/// could not be read.
pub fn packages(path: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let unreadable = |what: &str| format!("{name} is not valid {what}");
    let mut out = match name {
        _ if super::lockfiles::is_lockfile(name) => super::lockfiles::parse(name, text)?,
        "pyproject.toml" => pyproject(text).ok_or_else(|| unreadable("TOML"))?,
        "Pipfile" => toml_tables(text, &["packages", "dev-packages"]).ok_or_else(|| unreadable("TOML"))?,
        "package.json" => package_json(text).ok_or_else(|| unreadable("JSON"))?,
        "Cargo.toml" => cargo(text).ok_or_else(|| unreadable("TOML"))?,
        "go.mod" => go_mod(text),
        "Gemfile" => gemfile(text),
        "setup.cfg" => setup_cfg(text),
        "pom.xml" => pom(text).ok_or_else(|| unreadable("XML"))?,
        "build.gradle" | "build.gradle.kts" => gradle(text),
        _ => requirements(text),
    };
    out.sort();
    out.dedup();
    Ok(out)
}

/// Maven's `pom.xml`, read as XML (`quick-xml`): every `<dependency>` under
/// `<dependencies>` or `<dependencyManagement>` as `groupId:artifactId` and its
/// version, `${property}` versions resolved from `<properties>`; comments and
/// CDATA are what XML says they are, not dependencies.
fn pom(text: &str) -> Option<Vec<(String, String)>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut properties: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut current: Option<(String, String, String)> = None;
    let mut found = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "dependency" {
                    current = Some(Default::default());
                }
                path.push(name);
            }
            Event::End(e) => {
                if e.local_name().as_ref() == b"dependency"
                    && let Some((group, artifact, version)) = current.take()
                    && !group.is_empty()
                    && !artifact.is_empty()
                {
                    found.push((format!("{group}:{artifact}").to_ascii_lowercase(), version));
                }
                path.pop();
            }
            Event::Text(t) => {
                let text = t.xml_content().ok()?.trim().to_string();
                let tag = path.last().map(String::as_str).unwrap_or("");
                let parent = path.len().checked_sub(2).and_then(|i| path.get(i)).map(String::as_str);
                match (&mut current, parent) {
                    (Some(dep), Some("dependency")) => match tag {
                        "groupId" => dep.0.push_str(&text),
                        "artifactId" => dep.1.push_str(&text),
                        "version" => dep.2.push_str(&text),
                        _ => {}
                    },
                    (None, Some("properties")) => {
                        properties.insert(tag.to_string(), text);
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let resolve = |v: &str| match v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(key) => properties.get(key).cloned().unwrap_or_else(|| v.to_string()),
        None => v.to_string(),
    };
    Some(found.into_iter().map(|(n, v)| (n, resolve(&v))).collect())
}

/// Gradle dependency lines: `implementation("group:artifact:version")` and kin.
fn gradle(text: &str) -> Vec<(String, String)> {
    const CONFIGS: &[&str] = &[
        "implementation",
        "api",
        "compile",
        "compileOnly",
        "runtimeOnly",
        "testImplementation",
        "kapt",
        "annotationProcessor",
        "ksp",
    ];
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let config = CONFIGS.iter().find(|c| l.starts_with(*c))?;
            let rest = l[config.len()..].trim_start_matches(['(', ' ']);
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let coords = rest[1..].split(quote).next()?;
            let mut parts = coords.split(':');
            let (group, artifact) = (parts.next()?, parts.next()?);
            Some((format!("{group}:{artifact}").to_ascii_lowercase(), parts.next().unwrap_or("").to_string()))
        })
        .collect()
}

/// One PEP 508 requirement: `name[extras] op version ; marker`.
fn pep508(line: &str) -> Option<(String, String)> {
    let line = line.split('#').next()?.split(';').next()?.trim();
    if line.is_empty() || line.starts_with('-') || line.contains("://") {
        return None;
    }
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(line.len());
    let name = &line[..end];
    if name.is_empty() {
        return None;
    }
    let rest = line[end..].trim();
    let rest = match rest.strip_prefix('[') {
        Some(r) => r.split_once(']').map_or("", |(_, v)| v).trim(),
        None => rest,
    };
    // The specifier as written (spaces dropped): `==0.1.7`, `>=0.2,<0.4`, `~=1.30`.
    let spec: String = rest.trim().trim_matches(['(', ')']).chars().filter(|c| !c.is_whitespace()).collect();
    Some((normalise(name), spec))
}

/// pip's requirements format: `\\` continues a line, options (`--hash=…`)
/// follow the requirement, and `name @ url` names a package by its source.
/// A package listed twice is one requirement with both specifiers, as pip's
/// resolver reads it (`openai~=1.3.3` and `openai~=1.6.1`: `~=1.3.3,~=1.6.1`).
fn requirements(text: &str) -> Vec<(String, String)> {
    use std::collections::{HashMap, HashSet};
    let mut merged: Vec<(String, String)> = Vec::new();
    // Where each package stands in `merged`, and the parts of its specifier:
    // a lookup each, so that a file of N lines costs N, not N².
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut parts: Vec<HashSet<String>> = Vec::new();
    let split = |spec: &str| spec.split(',').map(str::to_string).collect::<HashSet<String>>();
    for (name, spec) in requirement_lines(text) {
        let Some(&i) = at.get(&name) else {
            at.insert(name.clone(), merged.len());
            parts.push(split(&spec));
            merged.push((name, spec));
            continue;
        };
        let (known, known_parts) = (&mut merged[i].1, &mut parts[i]);
        if spec.is_empty() || known_parts.contains(&spec) {
            continue;
        }
        // A direct reference decides the source whatever else is listed.
        if known.is_empty() || spec.starts_with('@') {
            *known_parts = split(&spec);
            *known = spec;
        } else if !known.starts_with('@') {
            known.push(',');
            known.push_str(&spec);
            known_parts.extend(spec.split(',').map(str::to_string));
        }
    }
    merged
}

fn requirement_lines(text: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        match line.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined.push(current);
    joined
        .iter()
        .filter_map(|l| {
            let requirement = l.split(" --").next().unwrap_or(l).split(" #").next().unwrap_or(l);
            match requirement.split_once(" @ ") {
                Some((name, url)) if !name.trim().starts_with('-') => {
                    let (name, _) = pep508(name)?;
                    // The source without any user or token in it.
                    let url = url.split(';').next().unwrap_or("").trim();
                    let url = match url.split_once("://") {
                        Some((scheme, rest)) => {
                            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
                            let host = authority.rsplit('@').next().unwrap_or(authority);
                            format!("{scheme}://{host}/{path}")
                        }
                        None => url.to_string(),
                    };
                    Some((name, format!("@ {url}")))
                }
                _ => pep508(requirement),
            }
        })
        .collect()
}

fn setup_cfg(text: &str) -> Vec<(String, String)> {
    let mut in_requires = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("install_requires") {
            in_requires = true;
            if let Some((_, v)) = line.split_once('=') {
                out.extend(pep508(v));
            }
        } else if in_requires && line.starts_with([' ', '\t']) {
            out.extend(pep508(line));
        } else if !line.trim().is_empty() {
            in_requires = false;
        }
    }
    out
}

/// A TOML dependency's requirement as written (`"^0.2"`, `{ version = "1.2" }`).
fn toml_version(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Table(t) => t.get("version").map(toml_version).unwrap_or_default(),
        _ => String::new(),
    }
}

fn toml_tables(text: &str, tables: &[&str]) -> Option<Vec<(String, String)>> {
    let doc: toml::Table = text.parse().ok()?;
    let mut out = Vec::new();
    for table in tables {
        let mut node = Some(&doc);
        for part in table.split('.') {
            node = node.and_then(|n| n.get(part)).and_then(toml::Value::as_table);
        }
        for (k, v) in node.into_iter().flatten() {
            if k != "python" {
                // Kept as written (`^0.1.45`): the comparison reads Poetry's operators.
                out.push((normalise(k), toml_version(v)));
            }
        }
    }
    Some(out)
}

fn pyproject(text: &str) -> Option<Vec<(String, String)>> {
    let doc: toml::Table = text.parse().ok()?;
    let mut out = toml_tables(text, &["tool.poetry.dependencies", "tool.poetry.dev-dependencies"])?;
    let list = |v: Option<&toml::Value>| -> Vec<(String, String)> {
        v.and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().and_then(pep508)).collect())
            .unwrap_or_default()
    };
    let project = doc.get("project");
    out.extend(list(project.and_then(|p| p.get("dependencies"))));
    for table in [project.and_then(|p| p.get("optional-dependencies")), doc.get("dependency-groups")] {
        for (_, deps) in table.and_then(toml::Value::as_table).into_iter().flatten() {
            out.extend(list(Some(deps)));
        }
    }
    let groups =
        doc.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("group")).and_then(toml::Value::as_table);
    for (_, g) in groups.into_iter().flatten() {
        for (k, v) in g.get("dependencies").and_then(toml::Value::as_table).into_iter().flatten() {
            if k != "python" {
                out.push((normalise(k), toml_version(v)));
            }
        }
    }
    Some(out)
}

fn package_json(text: &str) -> Option<Vec<(String, String)>> {
    let doc: Value = serde_json::from_str(text).ok()?;
    let mut out = Vec::new();
    for section in ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] {
        for (k, v) in doc.get(section).and_then(Value::as_object).into_iter().flatten() {
            out.push((k.to_ascii_lowercase(), v.as_str().unwrap_or("").trim().to_string()));
        }
    }
    Some(out)
}

fn cargo(text: &str) -> Option<Vec<(String, String)>> {
    let mut out =
        toml_tables(text, &["dependencies", "dev-dependencies", "build-dependencies", "workspace.dependencies"])?;
    // `[target.'cfg(unix)'.dependencies]` and kin: platform-specific, still declared.
    let doc: toml::Table = text.parse().ok()?;
    for (_, target) in doc.get("target").and_then(toml::Value::as_table).into_iter().flatten() {
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            for (k, v) in target.get(section).and_then(toml::Value::as_table).into_iter().flatten() {
                out.push((normalise(k), toml_version(v)));
            }
        }
    }
    Some(out)
}

fn go_mod(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let spec = if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else if in_block && line == ")" {
            in_block = false;
            continue;
        } else if in_block {
            line
        } else {
            continue;
        };
        let mut parts = spec.split_whitespace();
        if let (Some(m), Some(v)) = (parts.next(), parts.next()) {
            out.push((m.to_ascii_lowercase(), v.trim_start_matches('v').to_string()));
        }
    }
    out
}

fn gemfile(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("gem ")?;
            let mut parts = l.split(',').map(|p| p.trim().trim_matches(['"', '\'']));
            let name = parts.next()?;
            let version = parts.next().unwrap_or("").trim_start_matches(['~', '>', '=', '<', ' ']);
            Some((normalise(name), version.to_string()))
        })
        .collect()
}

/// Compare two version strings numerically where they are numbers.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u64> {
        s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse().unwrap_or(0)).collect()
    };
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_with_extras_markers_and_specifiers() {
        let text =
            "-r base.txt\nLangChain_OpenAI[extra]==0.1.7 ; python_version>'3.8'\nopenai~=1.30\n# c\nrequests>=2,<3\n";
        let pkgs = packages("svc/requirements.txt", text).unwrap_or_default();
        assert!(ecosystem("svc/requirements/base.txt").is_some() && ecosystem("dev-requirements.in").is_some());
        assert!(ecosystem("docs/notes.txt").is_none());
        assert_eq!(
            pkgs,
            vec![
                ("langchain-openai".into(), "==0.1.7".into()),
                ("openai".into(), "~=1.30".into()),
                ("requests".into(), ">=2,<3".into())
            ]
        );
    }

    #[test]
    fn requirements_continuations_hashes_and_direct_references() {
        let text = "langchain==0.2.1 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\nopenai @ git+https://tok3n@github.com/openai/openai-python@v1.2 ; python_version>'3.8'\nanthropic>=0.30 # pinned later\n";
        let pkgs = packages("requirements.txt", text).unwrap_or_default();
        assert_eq!(
            pkgs,
            [
                ("anthropic".to_string(), ">=0.30".to_string()),
                ("langchain".to_string(), "==0.2.1".to_string()),
                ("openai".to_string(), "@ git+https://github.com/openai/openai-python@v1.2".to_string()),
            ]
        );
        let twice = "openai~=1.3.3\nplaywright==1.40.0\nopenai~=1.6.1\nplaywright==1.40.0\nopenai\n";
        assert_eq!(
            packages("requirements.txt", twice).unwrap_or_default(),
            [("openai".to_string(), "~=1.3.3,~=1.6.1".to_string()), ("playwright".to_string(), "==1.40.0".to_string())],
            "a package listed twice is bound by both lines, as pip reads it"
        );
        let sources = "openai==1\nopenai @ https://a/x\nopenai==2\nopenai @ https://b/y\nopenai @ https://a/x\n";
        assert_eq!(
            packages("requirements.txt", sources).unwrap_or_default(),
            [("openai".to_string(), "@ https://a/x".to_string())],
            "the last direct reference decides the source; a version after one is passed over"
        );
        let cargo = "[dependencies]\nserde = \"1\"\n[target.'cfg(unix)'.dependencies]\nasync-openai = \"0.20\"\n";
        assert!(packages("Cargo.toml", cargo).unwrap_or_default().contains(&("async-openai".into(), "0.20".into())));
    }

    #[test]
    fn maven_poms_as_xml() {
        let pom = r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <properties><langchain4j.version>0.35.0</langchain4j.version></properties>
  <!-- <dependency><groupId>com.openai</groupId><artifactId>old</artifactId></dependency> -->
  <dependencies>
    <dependency>
      <groupId>dev.langchain4j</groupId>
      <artifactId>langchain4j</artifactId>
      <version>${langchain4j.version}</version>
    </dependency>
    <dependency><groupId>com.openai</groupId><artifactId>openai-java</artifactId><version>0.8.1</version></dependency>
  </dependencies>
</project>"#;
        let pkgs = packages("pom.xml", pom).unwrap_or_default();
        assert_eq!(
            pkgs,
            [
                ("com.openai:openai-java".to_string(), "0.8.1".to_string()),
                ("dev.langchain4j:langchain4j".to_string(), "0.35.0".to_string()),
            ],
            "a commented-out dependency is no dependency; properties resolve"
        );
        assert!(packages("pom.xml", "<project><dependencies></project>").is_err());
    }

    #[test]
    fn pyproject_and_package_json() {
        let py = "[project]\ndependencies = [\"langchain>=0.2.1\"]\n[project.optional-dependencies]\nx = [\"anthropic==0.30\"]\n";
        let pkgs = packages("pyproject.toml", py).unwrap_or_default();
        assert!(pkgs.contains(&("anthropic".into(), "==0.30".into())));
        let poetry = "[tool.poetry.dependencies]\npython = \"^3.10\"\nlangchain = \"^0.2.3\"\nopenai = \"1.3.5\"\nanthropic = { version = \"~0.30\" }\nlanggraph = \"*\"\n";
        let pkgs = packages("pyproject.toml", poetry).unwrap_or_default();
        assert_eq!(
            pkgs,
            [
                ("anthropic".to_string(), "~0.30".to_string()),
                ("langchain".to_string(), "^0.2.3".to_string()),
                ("langgraph".to_string(), "*".to_string()),
                ("openai".to_string(), "1.3.5".to_string()),
            ],
            "Poetry's ranges as written: the comparison reads them"
        );
        let js = r#"{"dependencies":{"@langchain/core":"^0.2.3"},"devDependencies":{"ai":"3.1.0"}}"#;
        let pkgs = packages("web/package.json", js).unwrap_or_default();
        assert_eq!(pkgs[0], ("@langchain/core".into(), "^0.2.3".into()));
        assert!(compare_versions("0.10.0", "0.9.9").is_gt());
        assert!(packages("pyproject.toml", "[project\n").is_err());
    }
}

#[cfg(test)]
mod jvm_tests {
    use super::*;

    #[test]
    fn maven_and_gradle() {
        let pom = "<project><dependencies><dependency>\n<groupId>dev.langchain4j</groupId>\n<artifactId>langchain4j-open-ai</artifactId>\n<version>0.31.0</version>\n</dependency></dependencies></project>";
        assert_eq!(
            packages("pom.xml", pom).unwrap(),
            vec![("dev.langchain4j:langchain4j-open-ai".to_string(), "0.31.0".to_string())]
        );
        let gradle = "dependencies {\n    implementation(\"com.openai:openai-java:0.8.0\")\n    testImplementation 'junit:junit:4.13'\n}\n";
        let g = packages("app/build.gradle.kts", gradle).unwrap();
        assert!(g.contains(&("com.openai:openai-java".to_string(), "0.8.0".to_string())));
        assert_eq!(g.len(), 2);
    }
}
