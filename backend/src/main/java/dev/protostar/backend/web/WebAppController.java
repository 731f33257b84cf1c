package dev.protostar.backend.web;

import java.nio.charset.StandardCharsets;

import io.swagger.v3.oas.annotations.Hidden;

import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

import dev.protostar.backend.security.PublicEndpoint;

/**
 * The page every route of the web app starts from. It names the current asset
 * hash, so it is never cached: a deploy must reach the next page load.
 */
@Controller
@Hidden
class WebAppController {

	private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);

	private final WebAssets assets;

	WebAppController(WebAssets assets) {
		this.assets = assets;
	}

	@PublicEndpoint
	@GetMapping({ "/", "/signin", "/signup", "/setup", "/settings", "/admin", "/admin/{section}" })
	ResponseEntity<String> index() {
		return ResponseEntity.ok()
			.cacheControl(CacheControl.noCache())
			.contentType(HTML)
			.body(this.assets.index());
	}

}
