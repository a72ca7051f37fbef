"""The demo database's fixed catalogue: the seller, VAT rates, products, customers' names, Subiekt codes, the
column lists the writer fills, and the small value types the generator passes around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Warsaw")
CENT = Decimal("0.01")
QR_HOST = "https://qr.ksef.mf.gov.pl"

SELLER_NIP = "5213870271"          # checksum-valid (see checksums.nip_is_valid)
SELLER = {
    "name": "Sklep Demo", "full": "Sklep Demo Sp. z o.o.", "street": "ul. Marszałkowska", "house": "84",
    "flat": "12", "postcode": "00-514", "city": "Warszawa", "phone": "+48 22 555 01 23",
}
ISSUER = "Anna Kowalczyk"

# VAT rates: key -> (vat_Id, symbol, percent, name). Ids are per-database configuration, never small constants.
VAT = {
    "23": (100001, "23", Decimal("23"), "Stawka podstawowa 23%"),
    "8": (100002, "8", Decimal("8"), "Stawka obniżona 8%"),
    "5": (100003, "5", Decimal("5"), "Stawka obniżona 5%"),
    "0": (100004, "0", Decimal("0"), "Stawka 0% (WDT, eksport)"),
    "zw": (100005, "zw", Decimal("0"), "Zwolniona"),
}

# symbol, name, unit, net price (PLN), VAT key, PKWiU, EAN, kind (1 goods, 2 service)
PRODUCTS: list[tuple[str, str, str, str, str, str, str, int]] = [
    ("KUB-300", "Kubek ceramiczny 300 ml", "szt.", "24.39", "23", "23.41.11.0", "5901234123457", 1),
    ("KUB-450", "Kubek termiczny 450 ml", "szt.", "56.10", "23", "25.99.12.0", "5901234123464", 1),
    ("CZJ-ZIE", "Herbata zielona sencha 100 g", "op.", "18.52", "5", "10.83.13.0", "5901234123471", 1),
    ("CZJ-CZA", "Herbata czarna assam 250 g", "op.", "27.62", "5", "10.83.13.0", "5901234123488", 1),
    ("KAW-ZIA", "Kawa ziarnista Brazylia 1 kg", "op.", "74.07", "5", "10.83.11.0", "5901234123495", 1),
    ("CIA-MAS", "Ciastka maślane 200 g", "op.", "9.26", "5", "10.72.12.0", "5901234123501", 1),
    ("KSI-PAR", "Książka: Parzenie kawy w domu", "szt.", "45.71", "5", "58.11.1", "9788301234567", 1),
    ("NAP-IZO", "Napój izotoniczny 0,5 l", "szt.", "4.07", "8", "11.07.19.0", "5901234123518", 1),
    ("SOK-JAB", "Sok jabłkowy tłoczony 1 l", "szt.", "8.33", "8", "10.32.17.0", "5901234123525", 1),
    ("DRP-CHE", "Drip do kawy, stal", "szt.", "89.43", "23", "25.99.12.0", "5901234123532", 1),
    ("MLY-REC", "Młynek ręczny żarnowy", "szt.", "162.60", "23", "28.93.17.0", "5901234123549", 1),
    ("FIL-100", "Filtry papierowe 100 szt.", "op.", "15.45", "23", "17.22.12.0", "5901234123556", 1),
    ("ZES-PRE", "Zestaw prezentowy Święta", "kpl.", "121.14", "23", "", "5901234123563", 1),
    ("SZK-BAR", "Szkolenie baristyczne online", "usł.", "300.00", "zw", "85.59.13.0", "", 2),
    ("WYS-KUR", "Wysyłka kurierska", "usł.", "12.19", "23", "53.20.11.0", "", 2),
]
EU_PRODUCTS = ("MLY-REC", "DRP-CHE", "KUB-450", "ZES-PRE")

COMPANIES = [
    ("Kawiarnia Pod Lipą s.c.", "ul. Lipowa", "7", "31-123", "Kraków"),
    ("Biuro Rachunkowe Saldo Sp. z o.o.", "al. Jana Pawła II", "15", "61-139", "Poznań"),
    ("Hotel Nadmorski Bryza Sp. j.", "ul. Bałtycka", "2", "81-345", "Gdynia"),
    ("Pracownia Zielony Liść", "ul. Ogrodowa", "44", "90-721", "Łódź"),
    ("Delikatesy Smakosz Marek Wiśniewski", "ul. Rynek", "3", "58-100", "Świdnica"),
    ("Agencja Reklamowa Kreska Sp. z o.o.", "ul. Piotrkowska", "120", "90-006", "Łódź"),
    ("Restauracja Żurawina", "ul. Długa", "18", "80-827", "Gdańsk"),
    ("Zakład Stolarski Dąb Józef Nowak", "ul. Leśna", "9", "43-300", "Bielsko-Biała"),
    ("Przedszkole Słoneczko", "ul. Szkolna", "5", "20-950", "Lublin"),
    ("Firma Handlowa Ćma Sp. z o.o.", "ul. Źródlana", "21", "15-666", "Białystok"),
    ("Studio Jogi Oddech", "ul. Kościuszki", "61", "50-011", "Wrocław"),
    ("Apteka Pod Orłem", "pl. Wolności", "1", "35-073", "Rzeszów"),
]
FIRST = ["Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Małgorzata", "Łukasz", "Agnieszka", "Michał",
         "Zofia", "Paweł", "Ewa", "Grzegorz", "Joanna", "Krzysztof", "Magdalena", "Szymon", "Alicja"]
LAST = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska",
        "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Krawczyk", "Piotrowska", "Grabowski"]
STREETS = ["ul. Polna", "ul. Słoneczna", "ul. Krótka", "ul. Mickiewicza", "ul. Sienkiewicza", "ul. Łąkowa",
           "os. Przyjaźni", "ul. Żeromskiego"]
CITIES = [("00-950", "Warszawa"), ("30-001", "Kraków"), ("80-001", "Gdańsk"), ("50-001", "Wrocław"),
          ("60-001", "Poznań"), ("40-001", "Katowice"), ("70-001", "Szczecin"), ("87-100", "Toruń")]

PAY_TRANSFER_7, PAY_CARD, PAY_COD, PAY_TRANSFER_14 = 1, 2, 3, 4
CUSTOM_FIELD_NAME = "Zamówienie BL"

# VAT exemption reasons (sl_ZwolnienieZVAT; columns as in the published Subiekt GT model: slpzv_*).
EXEMPTIONS = [(1, 1, 0, 1, "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT",
               "usługi kształcenia zawodowego prowadzone w formach i na zasadach przewidzianych przepisami", 1),
              (2, 1, 0, 1, "art. 113 ust. 1 ustawy o VAT", "zwolnienie podmiotowe", 2)]


# ZK realised / FS / PA ... object-type codes (dok_ObiektGT, pwd_TypObiektu)
OBJ = {"FS": -2, "ZK": -8, "PA": -9, "PAi": -16, "KFS": -26, "ZW": -31, "FSd": -32}
TYP = {"FS": 2, "FSd": 2, "KFS": 6, "ZW": 14, "ZK": 16, "PA": 21, "PAi": 21}
PODTYP = {"FSd": 1, "PAi": 2}
PREFIX = {"FS": "FS", "FSd": "FSd", "KFS": "KFS", "ZW": "ZW", "ZK": "ZK", "PA": "PA", "PAi": "PAi"}

DOK_COLUMNS = (
    "dok_Id", "dok_Typ", "dok_Podtyp", "dok_MagId", "dok_Nr", "dok_NrPelny", "dok_NrPelnyOryg", "dok_DoDokId",
    "dok_DoDokNrPelny", "dok_DoDokDataWyst", "dok_MscWyst", "dok_DataWyst", "dok_DataMag", "dok_PlatnikId",
    "dok_PlatnikAdreshId", "dok_OdbiorcaId", "dok_OdbiorcaAdreshId", "dok_PlatId", "dok_PlatTermin",
    "dok_Wystawil", "dok_WartUsNetto", "dok_WartUsBrutto", "dok_WartTwNetto", "dok_WartTwBrutto",
    "dok_WartNetto", "dok_WartVat", "dok_WartBrutto", "dok_KwWartosc", "dok_KwGotowka", "dok_KwKarta",
    "dok_KwDoZaplaty", "dok_KwKredyt", "dok_KwPrzelew", "dok_Waluta", "dok_WalutaKurs", "dok_WalutaDataKursu",
    "dok_Uwagi", "dok_Tytul", "dok_Podtytul", "dok_Status", "dok_KartaId", "dok_KredytId", "dok_ObiektGT",
    "dok_DataZakonczenia", "dok_TypNrIdentNabywcy", "dok_NrIdentNabywcy", "dok_NrRachunkuBankowegoPdm",
    "dok_MechanizmPodzielonejPlatnosci", "dok_StatusEx", "dok_NumerKSeF", "dok_DataNumeruKSeF",
    "dok_DoNumerKSeF", "dok_StatusKSeF", "dok_XmlHashKSeF", "dok_DataWystawieniaKSeF",
    "dok_FormaDokumentowania", "dok_CzekaNaKSeF", "dok_NumerKSeFId", "dok_DoNumerKSeFId", "dok_JestRuchMag",
    "dok_Rozliczony", "dok_StatusFiskal", "dok_IdPrzyczynyZwolnieniaZVAT",
)
OB_COLUMNS = (
    "ob_Id", "ob_DoId", "ob_Znak", "ob_DokHanId", "ob_TowId", "ob_TowRodzaj", "ob_Opis", "ob_DokHanLp",
    "ob_Ilosc", "ob_IloscMag", "ob_Jm", "ob_CenaWaluta", "ob_CenaNetto", "ob_CenaBrutto", "ob_Rabat",
    "ob_WartNetto", "ob_WartVat", "ob_WartBrutto", "ob_VatId", "ob_VatProc", "ob_PrzyczynaKorektyId",
    "ob_TowPkwiu",
)
VT_COLUMNS = ("vt_Id", "vt_DokId", "vt_VatId", "vt_VatProc", "vt_WartNetto", "vt_WartVat", "vt_WartBrutto",
              "vt_WartNettoWaluta", "vt_WartVatWaluta", "vt_WartBruttoWaluta")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def sql_dt(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def fixture_ddl() -> str:
    """The fixture DDL shipped with the package: real Subiekt GT table and column names (see
    docs/reference/subiekt_gt_database.md in the source repository)."""
    return resources.files("sellintegro_subiekt_gt").joinpath("data/subiekt_gt_fixture_ddl.sql").read_text(
        encoding="utf-8")



# ------------------------------------------------------------------------------------------------ data types


@dataclass
class Customer:
    kh_id: int
    adrh_id: int
    name: str
    nip: str            # as typed ('' for consumers)
    email: str
    country: str = "PL"
    company: bool = True
    first: str = ""
    last: str = ""


@dataclass
class Line:
    product: int                # index into PRODUCTS
    qty: Decimal
    discount: Decimal
    unit_net: Decimal           # after discount, document currency
    unit_gross: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_key: str
    list_net: Decimal = Decimal(0)   # unit net before discount
    ob_id: int = 0
