//! A CloudTrail record filled by the JSON scanner, field for field as serde
//! fills `Record`, or not at all: where the scanner is not sure to read a
//! record exactly as serde would, it gives up and serde reads it.

use super::{Identity, Issuer, NewKey, Params, Record, Response, SessionContext};
use crate::ingest::audit::json_scan::{Kind, Scanner, Seen};
use crate::ingest::lenient::Text;

/// `text` read into `rec`, or `None` where serde must read it.
pub(super) fn scanned<'a>(text: &'a str, rec: &mut Record<'a>) -> Option<()> {
    let mut s = Scanner::new(text);
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "eventTime" => once(&mut seen, 0, || text_into(s, &mut rec.event_time)),
        "eventName" => once(&mut seen, 1, || text_into(s, &mut rec.event_name)),
        "eventSource" => once(&mut seen, 2, || text_into(s, &mut rec.event_source)),
        "awsRegion" => once(&mut seen, 3, || text_into(s, &mut rec.aws_region)),
        "sourceIPAddress" => once(&mut seen, 4, || text_into(s, &mut rec.source_ip_address)),
        "userAgent" => once(&mut seen, 5, || text_into(s, &mut rec.user_agent)),
        "errorCode" => once(&mut seen, 6, || text_into(s, &mut rec.error_code)),
        "errorMessage" => once(&mut seen, 7, || text_into(s, &mut rec.error_message)),
        "eventID" => once(&mut seen, 8, || text_into(s, &mut rec.event_id)),
        "message" => once(&mut seen, 9, || text_into(s, &mut rec.message)),
        "userIdentity" => once(&mut seen, 10, || object_or_nothing(s, &mut rec.user_identity, identity)),
        "requestParameters" => once(&mut seen, 11, || object_or_nothing(s, &mut rec.request_parameters, params)),
        "responseElements" => once(&mut seen, 12, || object_or_nothing(s, &mut rec.response_elements, response)),
        _ => s.skip_value(),
    })?;
    s.end()
}

/// Field `i` of an object, read by `read` the first time only: serde refuses
/// a record that repeats a field it reads.
fn once(seen: &mut Seen, i: u32, read: impl FnOnce() -> Option<()>) -> Option<()> {
    seen.first(i).then(read).flatten()
}

/// A `Text` field: a plain string, or nothing for null, a boolean, an object
/// or an array. Numbers (serde writes them out) and escapes go to serde.
fn text_into<'a>(s: &mut Scanner<'a>, slot: &mut Text<'a>) -> Option<()> {
    *slot = match s.next_kind()? {
        Kind::String => Text::borrowed(s.plain_string()?),
        Kind::Number => return None,
        _ => {
            s.skip_value()?;
            Text::default()
        }
    };
    Some(())
}

/// A field `object_or_json_text` reads: an object, or nothing for null, a
/// boolean or an array. JSON text in a string and numbers go to serde.
fn object_or_nothing<'a, T: Default>(
    s: &mut Scanner<'a>,
    slot: &mut Option<T>,
    read: fn(&mut Scanner<'a>, &mut T) -> Option<()>,
) -> Option<()> {
    match s.next_kind()? {
        Kind::Object => read(s, slot.insert(T::default())),
        Kind::String | Kind::Number => None,
        _ => {
            *slot = None;
            s.skip_value()
        }
    }
}

/// A plain optional struct: an object or null (anything else serde rejects, and says why).
fn object_or_null<'a, T: Default>(
    s: &mut Scanner<'a>,
    slot: &mut Option<T>,
    read: fn(&mut Scanner<'a>, &mut T) -> Option<()>,
) -> Option<()> {
    match s.next_kind()? {
        Kind::Object => read(s, slot.insert(T::default())),
        Kind::Null => {
            *slot = None;
            s.skip_value()
        }
        _ => None,
    }
}

fn identity<'a>(s: &mut Scanner<'a>, out: &mut Identity<'a>) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "type" => once(&mut seen, 0, || text_into(s, &mut out.kind)),
        "arn" => once(&mut seen, 1, || text_into(s, &mut out.arn)),
        "principalId" => once(&mut seen, 2, || text_into(s, &mut out.principal_id)),
        "userName" => once(&mut seen, 3, || text_into(s, &mut out.user_name)),
        "accessKeyId" => once(&mut seen, 4, || text_into(s, &mut out.access_key_id)),
        "invokedBy" => once(&mut seen, 5, || text_into(s, &mut out.invoked_by)),
        "sessionContext" => once(&mut seen, 6, || object_or_null(s, &mut out.session_context, session_context)),
        _ => s.skip_value(),
    })
}

fn session_context<'a>(s: &mut Scanner<'a>, out: &mut SessionContext<'a>) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "sessionIssuer" => once(&mut seen, 0, || object_or_null(s, &mut out.session_issuer, issuer)),
        _ => s.skip_value(),
    })
}

fn issuer<'a>(s: &mut Scanner<'a>, out: &mut Issuer<'a>) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "arn" => once(&mut seen, 0, || text_into(s, &mut out.arn)),
        _ => s.skip_value(),
    })
}

fn params<'a>(s: &mut Scanner<'a>, out: &mut Params<'a>) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "secretId" => once(&mut seen, 0, || text_into(s, &mut out.secret_id)),
        "bucketName" => once(&mut seen, 1, || text_into(s, &mut out.bucket_name)),
        "userName" => once(&mut seen, 2, || text_into(s, &mut out.user_name)),
        "roleName" => once(&mut seen, 3, || text_into(s, &mut out.role_name)),
        "groupName" => once(&mut seen, 4, || text_into(s, &mut out.group_name)),
        "name" => once(&mut seen, 5, || text_into(s, &mut out.name)),
        "instanceId" => once(&mut seen, 6, || text_into(s, &mut out.instance_id)),
        "status" => once(&mut seen, 7, || text_into(s, &mut out.status)),
        "accessKeyId" => once(&mut seen, 8, || text_into(s, &mut out.access_key_id)),
        "policyArn" => once(&mut seen, 9, || text_into(s, &mut out.policy_arn)),
        "policyName" => once(&mut seen, 10, || text_into(s, &mut out.policy_name)),
        "policyDocument" => once(&mut seen, 11, || text_into(s, &mut out.policy_document)),
        _ => s.skip_value(),
    })
}

fn response<'a>(s: &mut Scanner<'a>, out: &mut Response<'a>) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "accessKey" => once(&mut seen, 0, || object_or_null(s, &mut out.access_key, new_key)),
        _ => s.skip_value(),
    })
}

fn new_key<'a>(s: &mut Scanner<'a>, out: &mut NewKey<'a>) -> Option<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        "accessKeyId" => once(&mut seen, 0, || text_into(s, &mut out.access_key_id)),
        _ => s.skip_value(),
    })
}
