package dev.protostar.backend.web;

import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web app as the backend serves it through the whole filter chain (security,
 * rate limits): the page is never cached, its files are cached for a year under
 * their content hash, and the API keeps answering in the envelope.
 */
class WebAppIntegrationTests extends IntegrationTestSupport {

	private static final Pattern MODULE = Pattern.compile("src=\"(/assets/([0-9a-f]{12})/app\\.js)\"");

	@Test
	void everyRouteOfTheAppIsTheSamePageNeverCached() throws Exception {
		for (String path : new String[] { "/", "/signin", "/signup", "/setup", "/settings", "/admin",
				"/admin/documents" }) {
			HttpResponse<String> page = get(path);
			assertThat(page.statusCode()).as(path).isEqualTo(200);
			assertThat(page.headers().firstValue("Content-Type")).as(path).hasValue("text/html;charset=UTF-8");
			assertThat(page.headers().firstValue("Cache-Control")).as(path).hasValue("no-cache");
			assertThat(page.body()).as(path).contains("<main id=\"app\"").doesNotContain("{{assets}}");
		}
	}

	@Test
	void assetsAreImmutableUnderTheCurrentHash() throws Exception {
		String module = currentModule();
		HttpResponse<String> app = get(module);
		assertThat(app.statusCode()).isEqualTo(200);
		assertThat(app.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
		assertThat(app.headers().firstValue("Cache-Control")).hasValue("max-age=31536000, public, immutable");
		assertThat(app.body()).contains("import");
		String prefix = module.substring(0, module.lastIndexOf('/'));
		HttpResponse<String> css = get(prefix + "/app.css");
		assertThat(css.statusCode()).isEqualTo(200);
		assertThat(css.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/css");
	}

	@Test
	void browserLibrariesComeFromTheirWebJars() throws Exception {
		String prefix = currentModule().replace("/app.js", "");
		HttpResponse<String> marked = get(prefix + "/vendor/marked.esm.js");
		assertThat(marked.statusCode()).isEqualTo(200);
		assertThat(marked.body()).contains("export");
		HttpResponse<String> purify = get(prefix + "/vendor/purify.es.mjs");
		assertThat(purify.statusCode()).isEqualTo(200);
		assertThat(purify.body()).contains("export { purify as default }");
		assertThat(purify.headers().firstValue("Cache-Control")).hasValue("max-age=31536000, public, immutable");
	}

	@Test
	void anOlderHashStillLoadsButIsNotCachedForever() throws Exception {
		// A page loaded from the other colour during a switch asks for its own hash.
		HttpResponse<String> old = get("/assets/000000000000/app.js");
		assertThat(old.statusCode()).isEqualTo(200);
		assertThat(old.headers().firstValue("Cache-Control")).hasValue("no-cache");
	}

	@Test
	void unknownFilesAndApiPathsAreStillEnvelopes() throws Exception {
		HttpResponse<String> missing = get(currentModule().replace("app.js", "no-such.js"));
		assertThat(missing.statusCode()).isEqualTo(404);
		HttpResponse<String> api = get("/api/no-such-thing");
		assertThat(api.statusCode()).isEqualTo(404);
		assertThat(body(api).path("resultCode").asString()).isEqualTo("NOT_FOUND");
		assertThat(get("/no-such-page").statusCode()).isEqualTo(404);
	}

	@Test
	void webFilesDoNotCountAgainstTheAnonymousRateLimit() throws Exception {
		String module = currentModule();
		HttpResponse<String> app = get(module);
		assertThat(app.headers().firstValue("RateLimit-Limit")).isEmpty();
		assertThat(get("/api/openapi.json").headers().firstValue("RateLimit-Limit")).isPresent();
	}

	private String currentModule() throws Exception {
		Matcher matcher = MODULE.matcher(get("/").body());
		assertThat(matcher.find()).as("index.html names the module").isTrue();
		return matcher.group(1);
	}

}
