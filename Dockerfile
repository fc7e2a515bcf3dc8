# Builds the Mayfly launcher; the compose file runs one service per container.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl launcher -am install

FROM eclipse-temurin:17-jre
COPY --from=build /src/launcher/target/mayfly.jar /opt/mayfly/mayfly.jar
ENTRYPOINT ["java", "-Xmx1g", "-jar", "/opt/mayfly/mayfly.jar"]
