//! Signing in and out, the language switch and changing one's password.
//!
//! The session cookie is HttpOnly and SameSite=Lax: scripts cannot read it and other
//! sites cannot send it with a POST, and every form also carries the CSRF token.

use super::{Ctx, Fields, Html, Problem, Session, app_error, ok, render, see_other};
use crate::extract::{SESSION_COOKIE, client_ip, cookie};
use crate::{AppState, Lang};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_app::AppError;
use linli_app::auth::{SESSION_TTL_MS, SessionKind};

/// The demo's accounts, shown on the sign-in page in demo mode only.
const DEMO_ACCOUNTS: [(&str, &str); 4] = [
    ("owner", "role.owner"),
    ("manager", "role.manager"),
    ("cashier", "role.cashier"),
    ("rider", "role.rider"),
];

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Ctx,
    next: String,
    username: String,
    problem: Problem,
    demo: Vec<(&'static str, &'static str)>,
}

/// Only a local path may follow sign-in, so the form cannot send anyone elsewhere; it
/// must also be a valid header value (printable ASCII, as a percent-encoded URI is).
fn safe_next(next: &str) -> String {
    if is_local(next) && !next.starts_with("/login") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn is_local(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.bytes().all(|b| b.is_ascii_graphic())
}

fn login_form(st: &AppState, lang: Lang, next: String, username: String, problem: Problem) -> LoginPage {
    let demo = if st.demo {
        DEMO_ACCOUNTS.iter().map(|(u, k)| (*u, crate::t(lang, k))).collect()
    } else {
        Vec::new()
    };
    LoginPage {
        c: Ctx::anonymous(lang, "login.title"),
        next,
        username,
        problem,
        demo,
    }
}

pub async fn login_page(State(st): State<AppState>, parts: Parts) -> Html {
    let lang = Lang::from_parts(&parts);
    let q = Fields::parse(parts.uri.query().unwrap_or("").as_bytes());
    let next = safe_next(q.get("next"));
    // Already signed in: go on.
    if let Some(token) = cookie(&parts, SESSION_COOKIE)
        && st.app.authenticate(&token).await.is_ok()
    {
        return Ok(see_other(&next));
    }
    ok(&login_form(&st, lang, next, String::new(), Problem::default()))
}

/// Whether a browser says the form was posted from another site (its `Origin` names a
/// host other than the one it sent the form to). Guards sign-in, which has no session
/// and so no CSRF token yet.
fn cross_site(parts: &Parts) -> bool {
    let header = |name: axum::http::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    match (header(axum::http::header::ORIGIN), header(axum::http::header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            origin != "null" && origin_host != host
        }
        (Some(origin), None) => origin != "null",
        _ => false,
    }
}

pub async fn login(State(st): State<AppState>, parts: Parts, body: Bytes) -> Html {
    let lang = Lang::from_parts(&parts);
    if cross_site(&parts) {
        return Err(crate::ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "cross_site",
            None,
            "sign in from this site's own page",
            "请在本站页面登录",
        )
        .into_response()
        .into());
    }
    let f = Fields::parse(&body);
    let next = safe_next(f.get("next"));
    let username = f.get("username").to_string();
    let ip = client_ip(&parts);
    if !st.login_limiter.allow(&ip, st.app.now()) {
        let p = Problem {
            message: crate::t(lang, "login.rate_limited").to_string(),
            ..Problem::default()
        };
        return Ok(render(
            StatusCode::TOO_MANY_REQUESTS,
            &login_form(&st, lang, next, username, p),
        ));
    }
    match st.app.login(&username, f.raw("password"), SessionKind::Cookie).await {
        Ok(session) => {
            let max_age = SESSION_TTL_MS / 1000;
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}",
                session.token
            );
            Ok((
                StatusCode::SEE_OTHER,
                [(header::LOCATION, next), (header::SET_COOKIE, cookie)],
            )
                .into_response())
        }
        Err(e @ (AppError::BadCredentials | AppError::Locked { .. })) => {
            let status = if matches!(e, AppError::Locked { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let p = Problem::of(lang, &e);
            Ok(render(status, &login_form(&st, lang, next, username, p)))
        }
        Err(e) => Err(app_error(&Ctx::anonymous(lang, "login.title"), e)),
    }
}

fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub async fn logout(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    s.check_csrf(&Fields::parse(&body))?;
    st.app
        .logout(&s.token)
        .await
        .map_err(|e| app_error(&s.ctx("nav.logout"), e))?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/login".to_string()),
            (header::SET_COOKIE, clear_session_cookie()),
        ],
    )
        .into_response())
}

/// `GET /lang/{zh|en}`: remembers the language for a year and goes back where the switch was pressed.
pub async fn set_lang(Path(lang): Path<String>, parts: Parts) -> Response {
    let code = match lang.as_str() {
        "zh" | "zh-CN" => "zh",
        "en" => "en",
        _ => return (StatusCode::NOT_FOUND, "unknown language").into_response(),
    };
    let back = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(local_path_of)
        .unwrap_or_else(|| "/".to_string());
    let cookie = format!("lang={code}; Path=/; SameSite=Lax; Max-Age=31536000");
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, back), (header::SET_COOKIE, cookie)],
    )
        .into_response()
}

/// The path and query of a Referer URL, if it is safe to redirect to.
fn local_path_of(referer: &str) -> Option<String> {
    let rest = referer.split_once("://").map_or(referer, |(_, r)| r);
    let path = &rest[rest.find('/')?..];
    is_local(path).then(|| path.to_string())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Ctx,
    problem: Problem,
    done: bool,
}

pub async fn password_page(s: Session) -> Html {
    ok(&PasswordPage {
        c: s.ctx("nav.password"),
        problem: Problem::default(),
        done: false,
    })
}

pub async fn change_password(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let c = s.ctx("nav.password");
    let result = if f.raw("new_password") != f.raw("confirm") {
        Err(AppError::invalid(
            "confirm",
            "the two new passwords differ",
            "两次输入的新密码不一致",
        ))
    } else {
        st.app
            .change_password(s.actor(), &s.token, f.raw("old_password"), f.raw("new_password"))
            .await
    };
    match result {
        Ok(()) => ok(&PasswordPage {
            c,
            problem: Problem::default(),
            done: true,
        }),
        Err(e) if super::is_form_error(&e) => {
            let problem = Problem::of(s.lang, &e);
            Ok(render(
                super::form_status(&e),
                &PasswordPage {
                    c,
                    problem,
                    done: false,
                },
            ))
        }
        Err(e) => Err(app_error(&c, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_follow_sign_in() {
        assert_eq!(safe_next("/products?q=nn"), "/products?q=nn");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/login"), "/");
        assert_eq!(safe_next("/x\r\nSet-Cookie: a=b"), "/");
        assert_eq!(safe_next("/商品"), "/");
        assert_eq!(
            local_path_of("http://shop.local:8080/stock?location_id=2").as_deref(),
            Some("/stock?location_id=2")
        );
        assert_eq!(local_path_of("http://shop.local"), None);
    }
}
