package dev.protostar.backend.system;

import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

	/**
	 * Puts {@link JsonErrorReportValve} where Tomcat's ErrorReportValve was.
	 * Boot adds a stock valve to the host (to hide the server version); it is
	 * removed, and the host's valve class is set as well, so that the host does
	 * not add yet another stock one when it starts. Unordered, so it runs after
	 * Boot's customizer (order 0) has added the stock valve.
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReportValve() {
		return (factory) -> factory.addContextCustomizers((context) -> {
			Container host = context.getParent();
			if (host instanceof StandardHost standardHost) {
				standardHost.setErrorReportValveClass(JsonErrorReportValve.class.getName());
			}
			Pipeline pipeline = host.getPipeline();
			for (Valve valve : pipeline.getValves()) {
				if (valve instanceof ErrorReportValve && !(valve instanceof JsonErrorReportValve)) {
					pipeline.removeValve(valve);
				}
			}
			pipeline.addValve(new JsonErrorReportValve());
		});
	}

}
