//! Container image references (`registry:5000/team/app:1.2@sha256:…`), split
//! the way container runtimes and kustomize read them.

/// An image reference in its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry, path and name: everything before the tag and the digest.
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// How firmly a reference fixes what runs, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pinning {
    /// No tag, an empty one or `latest`.
    Floating,
    Tag,
    Digest,
}

impl<'a> ImageRef<'a> {
    pub fn parse(image: &'a str) -> ImageRef<'a> {
        let (rest, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (image, None),
        };
        // A colon after the last slash starts the tag; one before it is a
        // registry port (`registry:5000/app`).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].find(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }

    pub fn pinning(&self) -> Pinning {
        match (self.tag, self.digest) {
            (_, Some(_)) => Pinning::Digest,
            (Some(t), None) if !t.is_empty() && !t.eq_ignore_ascii_case("latest") => Pinning::Tag,
            _ => Pinning::Floating,
        }
    }
}

impl std::fmt::Display for ImageRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)?;
        if let Some(t) = self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(image: &str) -> (&str, Option<&str>, Option<&str>) {
        let r = ImageRef::parse(image);
        (r.name, r.tag, r.digest)
    }

    #[test]
    fn references() {
        assert_eq!(parts("nginx"), ("nginx", None, None));
        assert_eq!(parts("nginx:1.25"), ("nginx", Some("1.25"), None));
        assert_eq!(
            parts("registry:5000/app"),
            ("registry:5000/app", None, None)
        );
        assert_eq!(
            parts("registry:5000/app:v2"),
            ("registry:5000/app", Some("v2"), None)
        );
        assert_eq!(parts("app@sha256:ab"), ("app", None, Some("sha256:ab")));
        assert_eq!(
            parts("a/b:1@sha256:ab"),
            ("a/b", Some("1"), Some("sha256:ab"))
        );
        for image in ["nginx", "registry:5000/app:v2", "a/b:1@sha256:ab", "x:"] {
            assert_eq!(ImageRef::parse(image).to_string(), image);
        }
    }

    #[test]
    fn pinning() {
        let p = |i| ImageRef::parse(i).pinning();
        assert_eq!(p("nginx"), Pinning::Floating);
        assert_eq!(p("nginx:"), Pinning::Floating);
        assert_eq!(p("nginx:Latest"), Pinning::Floating);
        assert_eq!(p("nginx:1.25"), Pinning::Tag);
        assert_eq!(p("nginx:latest@sha256:ab"), Pinning::Digest);
    }
}
