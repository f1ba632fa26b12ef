//! The demo's CloudTrail: the key's issuance, the service's own use, the
//! attackers' replays and recon after the leak, and the revocation — written as
//! gzipped `{"Records":[…]}` files in the S3 layout.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{ACCOUNT, ATTACKER_IPS, AWS_KEY_ID, DemoError, at, write_file};

const SERVICE_UA: &str = "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.215 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84";
const CLI_UA: &str = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exe/x86_64.kali.2024 prompt/off";
const EXFIL_UA: &str = "python-requests/2.31.0";
const CONSOLE_UA: &str = "AWS Internal";
const HANNAH_KEY: &str = "ASIAHBROOKSCONSOLE01";

struct Call<'a> {
    when: DateTime<Utc>,
    service: &'a str,
    name: &'a str,
    region: &'a str,
    ip: &'a str,
    ua: &'a str,
    params: Value,
    response: Value,
    error: Option<(&'a str, &'a str)>,
}

fn agent_identity() -> Value {
    json!({"type": "IAMUser", "principalId": "AIDA4NWTDEMOAGENT001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/svc-ticket-agent"),
           "accountId": ACCOUNT, "accessKeyId": AWS_KEY_ID, "userName": "svc-ticket-agent"})
}

fn hannah_identity() -> Value {
    json!({"type": "IAMUser", "principalId": "AIDA4NWTHBROOKS00001", "arn": format!("arn:aws:iam::{ACCOUNT}:user/hannah.brooks"),
           "accountId": ACCOUNT, "accessKeyId": HANNAH_KEY, "userName": "hannah.brooks",
           "sessionContext": {"attributes": {"creationDate": "2026-04-14T13:02:11Z", "mfaAuthenticated": "true"}}})
}

fn record(call: &Call, identity: Value, n: usize) -> Value {
    let mut r = json!({
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": call.when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "eventSource": format!("{}.amazonaws.com", call.service),
        "eventName": call.name,
        "awsRegion": call.region,
        "sourceIPAddress": call.ip,
        "userAgent": call.ua,
        "requestParameters": call.params,
        "responseElements": call.response,
        "requestID": format!("{:08x}-1b2c-4d5e-8f90-{:012x}", n * 7919 + 17, n * 104729 + 3),
        "eventID": format!("{:08x}-aa11-4bb2-9cc3-{:012x}", n * 6151 + 29, n * 130363 + 5),
        "readOnly": call.name.starts_with("Get") || call.name.starts_with("List") || call.name.starts_with("Describe"),
        "eventType": "AwsApiCall",
        "managementEvent": call.service != "s3",
        "recipientAccountId": ACCOUNT,
    });
    if let Some((code, message)) = call.error {
        r["errorCode"] = json!(code);
        r["errorMessage"] = json!(message);
    }
    r
}

fn calls() -> Vec<(Call<'static>, Value)> {
    let mut out = Vec::new();
    let agent = |when, name, region, ip, params| {
        (
            Call {
                when,
                service: if name == "GetCallerIdentity" { "sts" } else { "s3" },
                name,
                region,
                ip,
                ua: SERVICE_UA,
                params,
                response: Value::Null,
                error: None,
            },
            agent_identity(),
        )
    };
    // Issuance, long before the leak.
    out.push((Call { when: at(2025, 11, 4, 10, 22, 31), service: "iam", name: "CreateAccessKey", region: "us-east-1", ip: "198.51.100.20", ua: CONSOLE_UA,
        params: json!({"userName": "svc-ticket-agent"}),
        response: json!({"accessKey": {"accessKeyId": AWS_KEY_ID, "status": "Active", "userName": "svc-ticket-agent", "createDate": "Nov 4, 2025 10:22:31 AM"}}), error: None },
        hannah_identity()));
    // The service's own use, before and after the leak, from its NAT gateways.
    let mut day = at(2026, 3, 20, 10, 0, 0);
    let mut i = 0;
    while day < at(2026, 4, 14, 13, 0, 0) {
        let ip = if i % 3 == 0 { "52.18.44.11" } else { "52.18.44.10" };
        let key = format!("tickets/{}/attachment-{i}.pdf", day.format("%Y-%m-%d"));
        out.push(agent(
            day,
            "PutObject",
            "eu-west-1",
            ip,
            json!({"bucketName": "northwind-ticket-attachments", "key": key.clone()}),
        ));
        out.push(agent(
            day + Duration::minutes(331),
            "GetObject",
            "eu-west-1",
            ip,
            json!({"bucketName": "northwind-ticket-attachments", "key": key}),
        ));
        day += Duration::hours(19);
        i += 1;
    }
    let [tor, vps] = ATTACKER_IPS;
    let attacker = |when, service, name, region, ip, ua, params, error| {
        (Call { when, service, name, region, ip, ua, params, response: Value::Null, error }, agent_identity())
    };
    let denied = Some((
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/svc-ticket-agent is not authorized to perform this action",
    ));
    // Replays: recon from a Tor exit 23 minutes after the push, then exfiltration.
    out.push(attacker(
        at(2026, 4, 13, 17, 5, 41),
        "sts",
        "GetCallerIdentity",
        "us-east-1",
        tor,
        CLI_UA,
        json!({}),
        None,
    ));
    out.push(attacker(at(2026, 4, 13, 17, 6, 2), "iam", "ListUsers", "us-east-1", tor, CLI_UA, json!({}), denied));
    out.push(attacker(at(2026, 4, 13, 17, 6, 30), "s3", "ListBuckets", "us-east-1", tor, CLI_UA, json!({}), None));
    out.push(attacker(
        at(2026, 4, 13, 17, 7, 12),
        "secretsmanager",
        "ListSecrets",
        "eu-west-1",
        tor,
        CLI_UA,
        json!({}),
        denied,
    ));
    out.push(attacker(
        at(2026, 4, 13, 17, 7, 40),
        "ec2",
        "DescribeInstances",
        "us-east-1",
        tor,
        CLI_UA,
        json!({}),
        denied,
    ));
    for (n, minute) in [(1, 13), (2, 14), (3, 16)] {
        out.push(attacker(at(2026, 4, 14, 2, minute, 9), "s3", "GetObject", "eu-west-1", vps, EXFIL_UA,
            json!({"bucketName": "northwind-ticket-attachments", "key": format!("tickets/2026-04-0{n}/attachment-{n}.pdf")}), None));
    }
    out.push(attacker(
        at(2026, 4, 14, 10, 3, 55),
        "s3",
        "ListObjectsV2",
        "eu-west-1",
        tor,
        CLI_UA,
        json!({"bucketName": "northwind-ticket-attachments"}),
        None,
    ));
    // Revocation, and an attempt after it.
    out.push((
        Call {
            when: at(2026, 4, 14, 13, 20, 5),
            service: "iam",
            name: "UpdateAccessKey",
            region: "us-east-1",
            ip: "198.51.100.20",
            ua: CONSOLE_UA,
            params: json!({"userName": "svc-ticket-agent", "accessKeyId": AWS_KEY_ID, "status": "Inactive"}),
            response: Value::Null,
            error: None,
        },
        hannah_identity(),
    ));
    out.push(attacker(
        at(2026, 4, 14, 15, 31, 18),
        "sts",
        "GetCallerIdentity",
        "us-east-1",
        tor,
        CLI_UA,
        json!({}),
        Some(("InvalidClientTokenId", "The security token included in the request is invalid.")),
    ));
    out.push((
        Call {
            when: at(2026, 4, 15, 9, 2, 44),
            service: "iam",
            name: "DeleteAccessKey",
            region: "us-east-1",
            ip: "198.51.100.20",
            ua: CONSOLE_UA,
            params: json!({"userName": "svc-ticket-agent", "accessKeyId": AWS_KEY_ID}),
            response: Value::Null,
            error: None,
        },
        hannah_identity(),
    ));
    out
}

/// Write one gzipped file per region and day, as CloudTrail delivers them.
pub fn write(logs: &Path) -> Result<(), DemoError> {
    let mut files: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for (n, (call, identity)) in calls().into_iter().enumerate() {
        let day = call.when.format("%Y/%m/%d").to_string();
        files.entry((call.region.to_string(), day)).or_default().push(record(&call, identity, n));
    }
    for ((region, day), records) in files {
        let stamp = day.replace('/', "");
        let name = format!(
            "{ACCOUNT}_CloudTrail_{region}_{stamp}T2355Z_{:08x}.json.gz",
            records.len() * 2654435761 % 0xffff_ffff
        );
        let path = logs.join(format!("AWSLogs/{ACCOUNT}/CloudTrail/{region}/{day}/{name}"));
        let body = json!({ "Records": records }).to_string();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let bytes = gz.write_all(body.as_bytes()).and_then(|_| gz.finish());
        let bytes = bytes.map_err(|source| DemoError::Write { path: path.display().to_string(), source })?;
        write_file(&path, &bytes)?;
    }
    Ok(())
}
