//! A minimal XML writer for Open311 answers: elements and escaped text only,
//! which is all GeoReport v2 uses.

use quick_xml::escape::escape;

#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self { out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>") }
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>`, or `<name/>` when there is no value.
    pub fn element(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        match text {
            Some(t) => {
                self.open(name);
                self.out.push_str(&escape(t));
                self.close(name)
            }
            None => {
                self.out.push('<');
                self.out.push_str(name);
                self.out.push_str("/>");
                self
            }
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_missing_values_are_empty_elements() {
        let mut w = XmlWriter::new();
        w.open("a").element("b", Some("<x> & \"y\"")).element("c", None).close("a");
        assert_eq!(w.finish(), "<?xml version=\"1.0\" encoding=\"utf-8\"?><a><b>&lt;x&gt; &amp; &quot;y&quot;</b><c/></a>");
    }
}
