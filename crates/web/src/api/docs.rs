//! A readable API docs page rendered from the OpenAPI document itself, so it can
//! never disagree with it. No JavaScript, works offline.

use axum::response::Html;
use utoipa::openapi::OpenApi;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn page(doc: &OpenApi) -> Html<String> {
    let json = serde_json::to_value(doc).unwrap_or_default();
    let mut out = String::from(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Linli API 文档</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"docs\"><main>",
    );
    let info = &json["info"];
    out.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/api/openapi.json\">openapi.json</a> · OpenAPI {}</p>",
        esc(info["title"].as_str().unwrap_or("")),
        esc(info["description"].as_str().unwrap_or("")),
        esc(json["openapi"].as_str().unwrap_or(""))
    ));
    out.push_str("<h2>操作 Operations</h2><table><thead><tr><th>方法 Method</th><th>路径 Path</th><th>说明 Summary</th><th>请求 Request</th><th>响应 Responses</th></tr></thead><tbody>");
    if let Some(paths) = json["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let summary = op["summary"].as_str().or(op["description"].as_str()).unwrap_or("");
                let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .map(|r| r.rsplit('/').next().unwrap_or("").to_string())
                    .unwrap_or_default();
                let params: Vec<String> = op["parameters"]
                    .as_array()
                    .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).map(esc).collect())
                    .unwrap_or_default();
                let responses: Vec<String> = op["responses"]
                    .as_object()
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default();
                out.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                    method.to_uppercase(),
                    esc(path),
                    esc(summary),
                    if body.is_empty() {
                        String::new()
                    } else {
                        format!("<a href=\"#{0}\">{0}</a> ", esc(&body))
                    },
                    params.join(", "),
                    responses.join(" ")
                ));
            }
        }
    }
    out.push_str("</tbody></table><h2>数据结构 Schemas</h2>");
    if let Some(schemas) = json["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            out.push_str(&format!("<h3 id=\"{0}\">{0}</h3><table><tbody>", esc(name)));
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            if let Some(props) = schema["properties"].as_object() {
                for (field, p) in props {
                    let ty = p["type"].to_string().trim_matches('"').to_string();
                    let ty = if ty == "null" {
                        p["$ref"]
                            .as_str()
                            .unwrap_or("")
                            .rsplit('/')
                            .next()
                            .unwrap_or("")
                            .to_string()
                    } else {
                        ty
                    };
                    out.push_str(&format!(
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) { " *" } else { "" },
                        esc(&ty),
                        esc(p["description"].as_str().unwrap_or(""))
                    ));
                }
            }
            out.push_str("</tbody></table>");
        }
    }
    out.push_str("</main></body></html>");
    Html(out)
}
