//! JSON values read as serde_json reads them, except that an object holding
//! the same key twice is an error. serde_json keeps the last value silently:
//! a scanner finding with two `"Secret"`s, or a CloudTrail file with two
//! `"Records"` arrays, would then be read as one of its readings, unsaid.
//! Which one the writer meant cannot be told, so leakline rejects it.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One JSON value from the start of `bytes` (as `serde_json::from_slice`
/// would read it, trailing whitespace allowed), duplicate keys rejected.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut d = serde_json::Deserializer::from_slice(bytes);
    let value = Strict.deserialize(&mut d)?;
    d.end()?;
    Ok(value)
}

/// The first JSON value in `bytes` and the offset just after it.
pub fn first(bytes: &[u8]) -> Result<(Value, usize), serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<StrictValue>();
    match stream.next() {
        Some(Ok(StrictValue(v))) => Ok((v, stream.byte_offset())),
        Some(Err(e)) => Err(e),
        None => Err(de::Error::custom("unexpected end of input")),
    }
}

#[derive(Clone, Copy)]
struct Strict;

/// A value that deserializes strictly, for serde's stream reader.
struct StrictValue(Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Strict).map(StrictValue)
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Strict)?;
            match out.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(de::Error::custom(format_args!(
                        "the key `{}` appears twice in one object, and which value is meant cannot be told",
                        crate::text::clip(slot.key(), 40)
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [r#"{"a":[1,2.5,-3,true,null,"x\u00e9"],"b":{"c":{}}}"#, "[]", "\"s\"", "12345678901234567890"] {
            assert_eq!(from_slice(text.as_bytes()).unwrap(), serde_json::from_str::<Value>(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn a_key_twice_in_one_object_is_an_error_wherever_it_is() {
        for text in [r#"{"a":1,"a":2}"#, r#"[{"x":{"Secret":"a","Secret":"b"}}]"#, r#"{"Records":[],"Records":[{}]}"#] {
            let e = from_slice(text.as_bytes()).unwrap_err();
            assert!(e.to_string().contains("appears twice"), "{text}: {e}");
        }
        // The same key in two objects is not a duplicate.
        assert!(from_slice(br#"[{"a":1},{"a":2}]"#).is_ok());
    }

    #[test]
    fn first_finds_where_the_value_ends() {
        let (v, end) = first(b"{\"a\":1}\n{\"a\":2}").unwrap();
        assert_eq!((v["a"].as_i64(), end), (Some(1), 7));
        assert!(from_slice(b"{} x").is_err());
    }
}
