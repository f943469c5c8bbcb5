"""Names, places and number plans of the demo countries.

Small hand-written lists, enough for a believable customer base in seven
countries (GB, DE, FR, NL, ES, IE, US) without a data-faking dependency.
Postcode patterns use ``#`` for a digit and ``@`` for a letter; phone
patterns use ``#`` for a digit. Fixed-line numbers of GB, FR and US come from
the ranges their regulators reserve for fiction (Ofcom 020 7946 0xxx, ARCEP
01 99 00 xx xx, NANP 555-01xx), so the demo never prints a real subscriber's
number where a fiction range exists.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COUNTRIES", "Country", "Place"]


@dataclass(frozen=True)
class Place:
    """A city with a postcode pattern (and the state or province, where addresses carry one)."""

    city: str
    postcode: str
    region: str | None = None


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    currency: str  # of credit limits
    language: str  # ISO 639-1, preferred language of its customers
    given_female: tuple[str, ...]
    given_male: tuple[str, ...]
    family: tuple[str, ...]
    streets: tuple[str, ...]
    street_format: str  # "{number} {street}" or "{street} {number}"
    places: tuple[Place, ...]
    mobile: tuple[str, ...]  # patterns that phonenumbers reads as mobile numbers
    landline: tuple[str, ...]
    legal_forms: tuple[str, ...]
    passport: str  # pattern of a passport number
    # wider ranges, used only when the ones above run out (large benchmark data sets)
    mobile_overflow: tuple[str, ...] = ()
    landline_overflow: tuple[str, ...] = ()


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


GB = Country(
    code="GB",
    currency="GBP",
    language="en",
    given_female=_split(
        "Olivia, Amelia, Isla, Ava, Emily, Sophie, Grace, Charlotte, Ella, Poppy, Freya, Ruby, "
        "Lucy, Hannah, Eleanor, Harriet"
    ),
    given_male=_split(
        "Oliver, George, Harry, Jack, Thomas, James, William, Charlie, Alfie, Oscar, Henry, "
        "Joshua, Samuel, Daniel, Edward, Rhys"
    ),
    family=_split(
        "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, Thompson, "
        "Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Hughes, Patel, Khan"
    ),
    streets=_split(
        "High Street, Station Road, Church Lane, Victoria Road, Park Avenue, Mill Lane, Queens Road, "
        "King Street, The Crescent, Manor Way, Elm Grove, Albert Terrace"
    ),
    street_format="{number} {street}",
    places=(
        Place("London", "SW1A #@@"),
        Place("London", "EC1V #@@"),
        Place("London", "N1 #@@"),
        Place("Manchester", "M1 #@@"),
        Place("Leeds", "LS1 #@@"),
        Place("Bristol", "BS1 #@@"),
        Place("Edinburgh", "EH1 #@@"),
        Place("Cardiff", "CF10 #@@"),
        Place("Birmingham", "B1 #@@"),
        Place("Glasgow", "G1 #@@"),
    ),
    mobile=("+44 74## ######", "+44 75## ######", "+44 77## ######", "+44 78## ######", "+44 79## ######"),
    landline=("+44 20 7946 0###", "+44 161 496 0###", "+44 113 496 0###", "+44 117 496 0###"),
    landline_overflow=("+44 20 3### ####", "+44 161 8## ####", "+44 113 2## ####"),
    legal_forms=("Ltd", "Limited", "plc", "LLP"),
    passport="#########",
)

DE = Country(
    code="DE",
    currency="EUR",
    language="de",
    given_female=_split(
        "Anna, Lena, Leonie, Marie, Sophie, Emilia, Hannah, Laura, Julia, Lea, Mia, Katharina, "
        "Sabine, Claudia, Ursula, Petra"
    ),
    given_male=_split(
        "Lukas, Leon, Finn, Jonas, Paul, Felix, Maximilian, Elias, Tim, Jan, Niklas, Stefan, "
        "Thomas, Michael, Andreas, Jürgen"
    ),
    family=_split(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
        "Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, "
        "Krüger"
    ),
    streets=_split(
        "Hauptstraße, Schulstraße, Gartenstraße, Bahnhofstraße, Dorfstraße, Bergstraße, "
        "Lindenstraße, Kirchweg, Waldstraße, Goethestraße, Schillerplatz, Am Markt"
    ),
    street_format="{street} {number}",
    places=(
        Place("Berlin", "101##"),
        Place("Berlin", "104##"),
        Place("Hamburg", "203##"),
        Place("München", "803##"),
        Place("Köln", "506##"),
        Place("Frankfurt am Main", "603##"),
        Place("Stuttgart", "701##"),
        Place("Düsseldorf", "402##"),
        Place("Leipzig", "041##"),
        Place("Dresden", "010##"),
    ),
    mobile=("+49 151 ########", "+49 160 #######", "+49 170 #######", "+49 171 #######", "+49 176 ########"),
    landline=("+49 30 ########", "+49 89 ########", "+49 40 ########", "+49 221 #######"),
    legal_forms=("GmbH", "AG", "GmbH & Co. KG", "UG"),
    passport="C@@#####@",
)

FR = Country(
    code="FR",
    currency="EUR",
    language="fr",
    given_female=_split(
        "Emma, Jade, Louise, Alice, Chloé, Lina, Léa, Manon, Camille, Inès, Juliette, Zoé, "
        "Élise, Margaux, Céline, Nathalie"
    ),
    given_male=_split(
        "Gabriel, Léo, Raphaël, Louis, Arthur, Jules, Hugo, Lucas, Adam, Nathan, Mathis, "
        "Théo, Antoine, Julien, Nicolas, Pierre"
    ),
    family=_split(
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
        "Laurent, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, "
        "Girard"
    ),
    streets=_split(
        "rue de la République, avenue Jean Jaurès, rue Victor Hugo, boulevard Pasteur, "
        "rue de la Paix, place de la Mairie, rue du Moulin, avenue de la Gare, rue des Écoles, "
        "allée des Tilleuls, rue Nationale, chemin des Vignes"
    ),
    street_format="{number} {street}",
    places=(
        Place("Paris", "7500#"),
        Place("Paris", "7501#"),
        Place("Lyon", "6900#"),
        Place("Marseille", "1300#"),
        Place("Toulouse", "3100#"),
        Place("Bordeaux", "3300#"),
        Place("Lille", "5900#"),
        Place("Nantes", "4400#"),
        Place("Strasbourg", "6700#"),
        Place("Nice", "0600#"),
    ),
    mobile=("+33 6 ## ## ## ##", "+33 7 5# ## ## ##", "+33 7 6# ## ## ##"),
    landline=("+33 1 99 00 ## ##", "+33 4 99 00 ## ##"),
    landline_overflow=("+33 1 4# ## ## ##", "+33 4 7# ## ## ##"),
    legal_forms=("SARL", "SAS", "SA", "EURL"),
    passport="##@@#####",
)

NL = Country(
    code="NL",
    currency="EUR",
    language="nl",
    given_female=_split(
        "Emma, Julia, Mila, Tess, Sophie, Zoë, Sara, Nora, Eva, Anna, Fleur, Lotte, Sanne, Femke, Ingrid, Marieke"
    ),
    given_male=_split(
        "Noah, Daan, Sem, Lucas, Levi, Finn, Liam, Milan, Jesse, Bram, Thijs, Ruben, Sander, Pieter, Joost, Willem"
    ),
    family=_split(
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, "
        "de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, "
        "de Wit, Dijkstra"
    ),
    streets=_split(
        "Kerkstraat, Dorpsstraat, Schoolstraat, Molenweg, Stationsweg, Julianastraat, "
        "Beatrixlaan, Keizersgracht, Prinsengracht, Nieuwstraat, Markt, Wilhelminastraat"
    ),
    street_format="{street} {number}",
    places=(
        Place("Amsterdam", "101# @@"),
        Place("Amsterdam", "107# @@"),
        Place("Rotterdam", "301# @@"),
        Place("Den Haag", "251# @@"),
        Place("Utrecht", "351# @@"),
        Place("Eindhoven", "561# @@"),
        Place("Groningen", "971# @@"),
        Place("Tilburg", "501# @@"),
        Place("Almere", "131# @@"),
        Place("Breda", "481# @@"),
    ),
    mobile=("+31 6 1#######", "+31 6 2#######", "+31 6 4#######", "+31 6 5#######"),
    landline=("+31 20 #######", "+31 10 #######", "+31 30 #######"),
    legal_forms=("B.V.", "N.V.", "V.O.F."),
    passport="@@#######",
)

ES = Country(
    code="ES",
    currency="EUR",
    language="es",
    given_female=_split(
        "Lucía, Sofía, Martina, María, Paula, Julia, Daniela, Valeria, Alba, Emma, Carmen, "
        "Laura, Elena, Marta, Cristina, Isabel"
    ),
    given_male=_split(
        "Hugo, Martín, Lucas, Mateo, Leo, Daniel, Alejandro, Pablo, Manuel, Álvaro, Javier, "
        "David, Adrián, Diego, Sergio, Carlos"
    ),
    family=_split(
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, "
        "Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, "
        "Navarro, Torres"
    ),
    streets=_split(
        "Calle Mayor, Calle Real, Avenida de la Constitución, Plaza de España, Calle del Sol, "
        "Calle de Alcalá, Gran Vía, Calle de la Iglesia, Paseo del Prado, Calle Nueva, "
        "Avenida de Andalucía, Calle San José"
    ),
    street_format="{street}, {number}",
    places=(
        Place("Madrid", "280##", "Madrid"),
        Place("Barcelona", "080##", "Barcelona"),
        Place("Valencia", "460##", "Valencia"),
        Place("Sevilla", "410##", "Sevilla"),
        Place("Zaragoza", "500##", "Zaragoza"),
        Place("Málaga", "290##", "Málaga"),
        Place("Bilbao", "480##", "Bizkaia"),
        Place("Alicante", "030##", "Alicante"),
        Place("Valladolid", "470##", "Valladolid"),
        Place("Granada", "180##", "Granada"),
    ),
    mobile=("+34 6## ### ###", "+34 7## ### ###"),
    landline=("+34 91 ### ## ##", "+34 93 ### ## ##", "+34 96 ### ## ##"),
    legal_forms=("S.L.", "S.A.", "S.L.U."),
    passport="@@@######",
)

IE = Country(
    code="IE",
    currency="EUR",
    language="en",
    given_female=_split(
        "Grace, Emily, Fiadh, Sophie, Éabha, Lily, Ava, Aoife, Caoimhe, Saoirse, Niamh, "
        "Ciara, Sinéad, Orla, Róisín, Clodagh"
    ),
    given_male=_split(
        "Jack, Noah, James, Conor, Tadhg, Daniel, Fionn, Seán, Cillian, Darragh, Oisín, "
        "Patrick, Liam, Ciarán, Eoin, Niall"
    ),
    family=_split(
        "Murphy, Kelly, O'Sullivan, Walsh, Smith, O'Brien, Byrne, Ryan, O'Connor, O'Neill, "
        "O'Reilly, Doyle, McCarthy, Gallagher, O'Doherty, Kennedy, Lynch, Murray, Quinn, Moore, "
        "McLoughlin, Brennan"
    ),
    streets=_split(
        "Main Street, Church Street, Bridge Street, Dublin Road, Castle Street, Mill Road, "
        "Patrick Street, Green Road, Chapel Lane, Strand Road, Abbey Street, College Green"
    ),
    street_format="{number} {street}",
    places=(
        Place("Dublin", "D02 @###", "Dublin"),
        Place("Dublin", "D04 @###", "Dublin"),
        Place("Dublin", "D08 @###", "Dublin"),
        Place("Cork", "T12 @###", "Cork"),
        Place("Galway", "H91 @###", "Galway"),
        Place("Limerick", "V94 @###", "Limerick"),
        Place("Waterford", "X91 @###", "Waterford"),
        Place("Kilkenny", "R95 @###", "Kilkenny"),
    ),
    mobile=(
        "+353 83 ### ####",
        "+353 85 ### ####",
        "+353 86 ### ####",
        "+353 87 ### ####",
        "+353 89 ### ####",
    ),
    landline=("+353 1 ### ####", "+353 21 ### ####", "+353 91 ### ###"),
    legal_forms=("Limited", "DAC", "Teoranta"),
    passport="@@#######",
)

US = Country(
    code="US",
    currency="USD",
    language="en",
    given_female=_split(
        "Olivia, Emma, Charlotte, Amelia, Sophia, Mia, Isabella, Ava, Evelyn, Harper, "
        "Abigail, Madison, Jennifer, Ashley, Megan, Brittany"
    ),
    given_male=_split(
        "Liam, Noah, Oliver, James, Elijah, William, Henry, Lucas, Benjamin, Theodore, "
        "Michael, Ethan, Jacob, Tyler, Brandon, Austin"
    ),
    family=_split(
        "Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, "
        "Hernandez, Lopez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, "
        "Thompson, Nguyen"
    ),
    streets=_split(
        "Main Street, Oak Avenue, Maple Drive, Cedar Lane, Park Avenue, Washington Street, "
        "Lake Shore Drive, Elm Street, Pine Street, Sunset Boulevard, Broadway, 2nd Avenue"
    ),
    street_format="{number} {street}",
    places=(
        Place("New York", "100##", "NY"),
        Place("Chicago", "606##", "IL"),
        Place("Austin", "787##", "TX"),
        Place("San Francisco", "941##", "CA"),
        Place("Seattle", "981##", "WA"),
        Place("Boston", "021##", "MA"),
        Place("Denver", "802##", "CO"),
        Place("Atlanta", "303##", "GA"),
        Place("Portland", "972##", "OR"),
        Place("Miami", "331##", "FL"),
    ),
    # 555-0100 to 555-0199 is reserved for fiction in every NANP area code
    mobile=(
        "+1 212 555 01##",
        "+1 312 555 01##",
        "+1 512 555 01##",
        "+1 415 555 01##",
        "+1 206 555 01##",
        "+1 617 555 01##",
        "+1 303 555 01##",
        "+1 404 555 01##",
        "+1 503 555 01##",
        "+1 305 555 01##",
    ),
    landline=("+1 646 555 01##", "+1 773 555 01##", "+1 737 555 01##", "+1 628 555 01##"),
    mobile_overflow=("+1 212 6## ####", "+1 312 8## ####", "+1 415 3## ####", "+1 206 4## ####"),
    landline_overflow=("+1 646 2## ####", "+1 773 2## ####", "+1 737 2## ####"),
    legal_forms=("Inc.", "LLC", "Corp."),
    passport="#########",
)

COUNTRIES: tuple[Country, ...] = (GB, DE, FR, NL, ES, IE, US)
"""The demo countries; the first is the operator's home market and gets the most customers."""
