package dev.protostar.backend.web;

import java.time.Duration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.resource.AbstractResourceResolver;
import org.springframework.web.servlet.resource.ResourceResolverChain;

/**
 * Serves the web app from the backend jar, so a blue/green deploy switches the
 * pages and the API together and a rollback brings both back. No build step:
 * the files under {@code web/} are standard ES modules; marked and DOMPurify come
 * from their WebJars (versions pinned in the pom).
 * <p>
 * {@code /assets/<current hash>/**} is cached for a year ({@code immutable}). Any
 * other hash is answered with today's files but {@code no-cache}: during a
 * switch a page loaded from the old colour may ask the new one for its modules,
 * and a 404 there would break the page, while caching new bytes under the old
 * URL would pin them.
 */
@Configuration(proxyBeanMethods = false)
class WebAppConfiguration implements WebMvcConfigurer {

	private static final CacheControl FOREVER = CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable();

	private final String markedVersion;

	private final String dompurifyVersion;

	private final WebAssets assets;

	WebAppConfiguration(@Value("${protostar.web.marked-version}") String markedVersion,
			@Value("${protostar.web.dompurify-version}") String dompurifyVersion) {
		this.markedVersion = markedVersion;
		this.dompurifyVersion = dompurifyVersion;
		this.assets = WebAssets.load(getClass().getClassLoader(),
				"marked " + markedVersion + ", dompurify " + dompurifyVersion);
	}

	@Bean
	WebAssets webAssets() {
		return this.assets;
	}

	@Override
	public void addResourceHandlers(ResourceHandlerRegistry registry) {
		String current = WebAssets.PREFIX + this.assets.hash();
		registry.addResourceHandler(current + "/vendor/**")
			.addResourceLocations(vendorLocations())
			.setCacheControl(FOREVER);
		registry.addResourceHandler(current + "/**").addResourceLocations("classpath:/web/").setCacheControl(FOREVER);
		// With a wildcard segment the path within the pattern starts at that segment
		// ("<hash>/app.js"): the resolver drops it before looking the file up.
		registry.addResourceHandler(WebAssets.PREFIX + "*/vendor/**")
			.addResourceLocations(vendorLocations())
			.setCacheControl(CacheControl.noCache())
			.resourceChain(false)
			.addResolver(new FirstSegmentDropped("vendor/"));
		registry.addResourceHandler(WebAssets.PREFIX + "*/**")
			.addResourceLocations("classpath:/web/")
			.setCacheControl(CacheControl.noCache())
			.resourceChain(false)
			.addResolver(new FirstSegmentDropped(""));
	}

	/** Resolves {@code <hash>/<rest>} as {@code <rest>} (after the given prefix, e.g. "vendor/"). */
	private static final class FirstSegmentDropped extends AbstractResourceResolver {

		private final String alsoDropped;

		private FirstSegmentDropped(String alsoDropped) {
			this.alsoDropped = alsoDropped;
		}

		@Override
		protected Resource resolveResourceInternal(HttpServletRequest request, String requestPath,
				List<? extends Resource> locations, ResourceResolverChain chain) {
			String rest = requestPath.substring(requestPath.indexOf('/') + 1);
			if (!rest.startsWith(this.alsoDropped)) {
				return null;
			}
			return chain.resolveResource(request, rest.substring(this.alsoDropped.length()), locations);
		}

		@Override
		protected String resolveUrlPathInternal(String resourceUrlPath, List<? extends Resource> locations,
				ResourceResolverChain chain) {
			return null;
		}

	}

	private String[] vendorLocations() {
		return new String[] { "classpath:/META-INF/resources/webjars/marked/" + this.markedVersion + "/lib/",
				"classpath:/META-INF/resources/webjars/dompurify/" + this.dompurifyVersion + "/dist/" };
	}

}
