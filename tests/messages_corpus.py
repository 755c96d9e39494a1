"""Blackmail messages as victims receive them, French and English, with what must be read in them.

Written for the tests from the shapes helplines and public warnings describe (template "I hacked
your device" mass mail, targeted blackmail after a video call or photos, prepaid-card demands,
dating-site harassment...). No real person, address or account: the wallet addresses are the
published test vectors of their standards (BIP-173/350 and EIP-55 examples, the genesis-block
key's hash160 encoded for each coin, see tests/unit/test_payments.py) and their look-alikes,
the IBANs are the registry's example IBANs, names and numbers are made up. Links point to the
fake platform of tests/fakes (private, public, removed and trap pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ----------------------------------------------------------------------- payment test vectors

# The genesis-block public key's hash160 (751e76e8...3bd6), encoded for each coin.
BTC_P2PKH = "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
BTC_P2PKH_2 = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"  # the classic example in Bitcoin docs
BTC_P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
BTC_SEGWIT = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP-173, P2WPKH
BTC_P2WSH = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"  # BIP-173
BTC_TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"  # BIP-350
ETH_EIP55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55 examples
ETH_EIP55_2 = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
ETH_LOWER = "0xde709f2102306220921060314715629080e2fb77"
LTC_LEGACY = "LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnJ"
LTC_SEGWIT = "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"
DOGE = "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE"
TRON = "TLeUZDGLWnyiJVFcp3m3M1782uBsGWa8uf"
MONERO = (  # the Monero project's general fund (standard address, network byte 0x12)
    "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9"
    "mtmXCqY45DJ852K5Jv2684Rge"
)
IBAN_FR = "FR14 2004 1010 0505 0001 3M02 606"
IBAN_GB = "GB82 WEST 1234 5698 7654 32"
IBAN_BE = "BE68 5390 0754 7034"
IBAN_CH = "CH93 0076 2011 6238 5295 7"

# Look-alikes: one character changed (or a character outside the alphabet), as spam dodges use.
BTC_LOOKALIKE = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"
BTC_LOOKALIKE_O = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVO2"  # 'O' is not in base58
SEGWIT_LOOKALIKE = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"
ETH_LOOKALIKE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"  # the last letter's case flipped
LTC_LOOKALIKE = "LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnK"
TRON_LOOKALIKE = "TLeUZDGLWnyiJVFcp3m3M1782uBsGWa8uF"
IBAN_FR_LOOKALIKE = "FR14 2004 1010 0505 0001 3M02 607"
IBAN_FR_SHORT = "FR14 2004 1010 0505 0001 3M02 60"

# Links to the fake platform (tests/fakes): what each one really is.
LINK_PRIVATE = "https://www.youtube.com/watch?v=prvVideo001"
LINK_PUBLIC = "https://www.youtube.com/watch?v=pubVideo001"
LINK_REMOVED = "https://www.youtube.com/watch?v=remVideo001"
LINK_TRAP = "https://lure.example.net/pay"
LINK_TRAP_DOWNLOAD = "https://lure.example.net/get/video-4471"
LINK_SHORT_PRIVATE = "https://youtu.be/prvVideo001"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    kind: str  # mass_scam, targeted_blackmail, unknown
    # (kind, value, valid) of every wallet, IBAN, voucher and voucher code, in order
    payments: tuple[tuple[str, str, bool | None], ...] = ()
    amounts: tuple[tuple[float, str], ...] = ()  # (value, currency), in order
    contacts: frozenset[tuple[str, str]] = frozenset()  # (kind, value)
    links: tuple[str, ...] = ()
    reasons: frozenset[str] = frozenset()  # codes that must be among the reasons
    conditions: frozenset[str] = frozenset()  # what the advice must react to (exactly)
    verdicts: tuple[str, ...] = field(default=())  # expected verdict of each link, in order


CORPUS: tuple[Case, ...] = (
    # ---------------------------------------------------------------------- mass scams, French
    Case(
        "fr-mass-classic",
        f"""Bonjour !

Je suis un hacker professionnel et j'ai piraté votre appareil il y a quelques mois. Comme vous
pouvez le constater, je vous ai envoyé ce message depuis votre propre compte.

J'ai installé un logiciel malveillant sur votre ordinateur. Pendant que vous regardiez des sites
pour adultes, j'ai enregistré une vidéo de vous via votre webcam (en écran partagé).

Pour que je supprime la vidéo, envoyez 500 € en Bitcoin à l'adresse suivante :
{BTC_P2PKH_2}

Vous avez 48 heures. Je saurai dès que vous aurez lu ce message. Sinon, j'enverrai la vidéo à
tous vos contacts. Inutile d'aller à la police, personne ne peut me retrouver.
Ne répondez pas à ce message.""",
        "mass_scam",
        payments=(("bitcoin", BTC_P2PKH_2, True),),
        amounts=((500, "EUR"),),
        reasons=frozenset(
            {"hacked_device", "webcam_hack", "spoofed_sender", "adult_sites", "long_deadline"}
        ),
        conditions=frozenset({"spoofed", "wallet"}),
    ),
    Case(
        "fr-mass-password",
        f"""Salut,
Ton mot de passe est : Chaton2019!
Oui, je connais ton mot de passe. J'ai accès à ton téléphone depuis plusieurs semaines grâce à
un cheval de Troie. Ta caméra a été activée pendant que tu visitais des sites porno.
Paiement : 0,0062 BTC sur {BTC_SEGWIT} d'ici 2 jours, sinon la vidéo part chez tous tes contacts.
Le compte à rebours a commencé.""",
        "mass_scam",
        payments=(("bitcoin", BTC_SEGWIT, True),),
        amounts=((0.0062, "BTC"),),
        reasons=frozenset({"password_quoted", "hacked_device", "tracking_claim"}),
        conditions=frozenset({"password", "wallet"}),
    ),
    Case(
        "fr-mass-lookalike-wallet",
        f"""Bonjour, je vous écris depuis votre adresse e-mail, que j'ai piratée.
Votre ordinateur est infecté par un logiciel espion depuis plusieurs mois. J'ai des
enregistrements de vous via votre webcam pendant que vous regardiez des vidéos pour adultes.
Versez 1 000 € en Bitcoin sur ce portefeuille : {BTC_LOOKALIKE}
Délai : 72 heures. Ne répondez pas.""",
        "mass_scam",
        payments=(("bitcoin", BTC_LOOKALIKE, False),),
        amounts=((1000, "EUR"),),
        reasons=frozenset({"spoofed_sender", "hacked_device", "webcam_hack"}),
        conditions=frozenset({"spoofed"}),
    ),
    Case(
        "fr-mass-homoglyphs",
        # Cyrillic letters and zero-width spaces, as spam filters are dodged: "piraté",
        # "webcam" and "Bitcoin" are not written with Latin letters only.
        "Bonjour ! J'ai pir\u0430té v\u043etre appareil et j'ai filmé via votre web\u200bcam "
        "pendant que vous regardiez des sites p\u043erno. Envoyez 650 $ en Bit\u0441oin à "
        f"{BTC_TAPROOT} sous 48 h. Sinon tous vos contacts recevront la vidéo.",
        "mass_scam",
        payments=(("bitcoin", BTC_TAPROOT, True),),
        amounts=((650, "USD"),),
        reasons=frozenset({"hacked_device", "webcam_hack", "adult_sites"}),
        conditions=frozenset({"wallet"}),
    ),
    Case(
        "fr-mass-ethereum-iban",
        f"""Cher utilisateur,
Nous sommes un groupe de hackers. Nous avons eu accès à votre système d'exploitation et à votre
caméra. Nous avons une vidéo de vous en train de vous masturber devant des sites pour adultes.
Payez 800 EUR en Ethereum : {ETH_EIP55}
ou par virement sur l'IBAN {IBAN_FR}
sous 24 heures. Il est inutile de contacter la police.""",
        "mass_scam",
        payments=(("ethereum", ETH_EIP55, True), ("iban", IBAN_FR, True)),
        amounts=((800, "EUR"),),
        reasons=frozenset({"hacked_device", "hacker_persona", "police_useless"}),
        conditions=frozenset({"wallet"}),
    ),
    # --------------------------------------------------------------------- mass scams, English
    Case(
        "en-mass-classic",
        f"""Hello!

I have very bad news for you. A few months ago I gained access to your devices, which you use
for browsing the internet. I installed a trojan on your operating system and recorded you
through your webcam while you were watching adult websites (split screen: the video you were
watching, and you).

As you can see, I sent you this email from your own account. Your password is: sunshine88

Send $1,200 in Bitcoin to my wallet: {BTC_P2SH}
You have 48 hours. I will know when you open this email. Otherwise your video will be sent to
all your contacts, family and colleagues. Do not reply to this email, and don't bother going to
the police: I cannot be traced.""",
        "mass_scam",
        payments=(("bitcoin", BTC_P2SH, True),),
        amounts=((1200, "USD"),),
        reasons=frozenset(
            {"hacked_device", "webcam_hack", "spoofed_sender", "password_quoted", "split_screen"}
        ),
        conditions=frozenset({"password", "spoofed", "wallet"}),
    ),
    Case(
        "en-mass-ethereum-lookalike",
        f"""Hi, I'm a programmer and I hacked your phone with malware. I have recorded you on your
camera while visiting porn sites. Pay 0.9 ETH to {ETH_LOOKALIKE} within 2 days or I will share
the video with everyone in your contact list. The timer started when you opened this message.""",
        "mass_scam",
        payments=(("ethereum", ETH_LOOKALIKE, False),),
        amounts=((0.9, "ETH"),),
        reasons=frozenset({"hacked_device", "hacker_persona", "tracking_claim"}),
        conditions=frozenset(),
    ),
    Case(
        "en-mass-litecoin-monero",
        f"""Greetings. I know that hunter2 is one of your passwords. I compromised your router and
your computer and turned on your webcam. You were watching porn videos. Pay $950 in Litecoin to
{LTC_LEGACY} or Monero to {MONERO} within 24 hours. No need to reply.""",
        "mass_scam",
        payments=(("litecoin", LTC_LEGACY, True), ("monero", MONERO, True)),
        amounts=((950, "USD"),),
        reasons=frozenset({"password_quoted", "hacked_device", "webcam_hack"}),
        conditions=frozenset({"password", "wallet"}),
    ),
    Case(
        "en-mass-gbp-segwit-lookalike",
        f"""Dear user, this email was sent from your account. My malware recorded everything via
your webcam while you were browsing adult sites. Transfer £700 in BTC to {SEGWIT_LOOKALIKE} within
72 hours. Your contacts will receive the video otherwise.""",
        "mass_scam",
        payments=(("bitcoin", SEGWIT_LOOKALIKE, False),),
        amounts=((700, "GBP"),),
        reasons=frozenset({"spoofed_sender", "webcam_hack", "malware_claim"}),
        conditions=frozenset({"spoofed"}),
    ),
    Case(
        "en-mass-with-trap-link",
        f"""Hello! I hacked your computer and recorded you through your webcam while you watched
porn. See the proof here: {LINK_TRAP} . Send 0.03 BTC to {BTC_P2PKH} within 48 hours or all your
contacts get the video.""",
        "mass_scam",
        payments=(("bitcoin", BTC_P2PKH, True),),
        amounts=((0.03, "BTC"),),
        links=(LINK_TRAP,),
        reasons=frozenset({"hacked_device", "webcam_hack"}),
        conditions=frozenset({"wallet", "links"}),
        verdicts=("suspicious",),
    ),
    Case(
        "fr-mass-mailbox",
        """Bonjour. Je vous informe que j'ai piraté votre boîte mail et votre ordinateur. J'ai une
vidéo de vous en train de vous masturber devant un site pornographique. Envoyez 450 euros en
bitcoin sous 48h, l'adresse suit.""",
        "mass_scam",
        amounts=((450, "EUR"),),
        reasons=frozenset({"hacked_device", "adult_sites", "crypto_payment", "long_deadline"}),
    ),
    Case(
        "fr-mass-vous-vous-etes",
        f"""Votre appareil a été infecté par mon logiciel espion lorsque vous avez visité un site
pornographique. Vous vous êtes masturbé devant des vidéos. Payez 1 200 € en BTC : {BTC_P2SH}
dans les 50 heures.""",
        "mass_scam",
        payments=(("bitcoin", BTC_P2SH, True),),
        amounts=((1200, "EUR"),),
        reasons=frozenset({"hacked_device", "malware_claim", "adult_sites"}),
        conditions=frozenset({"wallet"}),
    ),
    Case(
        "en-mass-email-account",
        "Hello, I hacked your email account. I recorded you watching porn. Pay $800 in bitcoin "
        "within 2 days.",
        "mass_scam",
        amounts=((800, "USD"),),
        reasons=frozenset({"hacked_device", "adult_sites"}),
    ),
    # ------------------------------------------------------------- targeted blackmail, French
    Case(
        "fr-targeted-seen-on-skype",
        "Je t'ai vu nu sur Skype hier soir. Envoie 200€ sinon je montre la vidéo à tout le monde.",
        "targeted_blackmail",
        amounts=((200, "EUR"),),
        reasons=frozenset({"intimate_exchange", "named_platform"}),
    ),
    Case(
        "fr-targeted-seed-pcs",
        """Je t'ai enregistré pendant notre appel vidéo sur Messenger. Si tu ne m'envoies pas des
codes PCS de 250 € avant ce soir, je partage la vidéo avec ta famille et tous tes amis Facebook.
J'ai la liste de tes amis.""",
        "targeted_blackmail",
        payments=(("voucher", "PCS", None),),
        amounts=((250, "EUR"),),
        reasons=frozenset({"video_call", "followers_list", "voucher_demand", "named_platform"}),
        conditions=frozenset({"vouchers", "relatives"}),
    ),
    Case(
        "fr-targeted-link-private",
        f"""Salut Thomas. Tu te souviens de notre visio hier soir ? Tu t'es déshabillé devant la
caméra et j'ai tout enregistré. La vidéo est déjà en ligne, regarde : {LINK_PRIVATE}
Si tu ne paies pas 500€ par Transcash, je l'envoie à ta sœur Camille et à ta copine.
Envoie-moi les codes sur WhatsApp : +225 07 48 12 33 90""",
        "targeted_blackmail",
        payments=(("voucher", "Transcash", None),),
        amounts=((500, "EUR"),),
        contacts=frozenset({("phone", "+225 07 48 12 33 90")}),
        links=(LINK_PRIVATE,),
        reasons=frozenset({"video_call", "intimate_exchange", "named_relatives", "link"}),
        conditions=frozenset({"vouchers", "relatives", "links"}),
        verdicts=("private",),
    ),
    Case(
        "fr-targeted-public-link-codes",
        f"""Tu crois que je plaisante ? Ta vidéo est déjà sur internet : {LINK_PUBLIC}
Tout le lycée va la voir. Achète 2 cartes Paysafecard de 100 € et envoie-moi les codes ici.
Voici un exemple de code : 1234 5678 9012 3456. Tu as 30 minutes.
Mon snap : dark.hunter_93""",
        "targeted_blackmail",
        payments=(
            ("voucher", "Paysafecard", None),
            ("voucher_code", "1234 5678 9012 3456", None),
        ),
        amounts=((100, "EUR"),),
        contacts=frozenset({("handle", "dark.hunter_93")}),
        links=(LINK_PUBLIC,),
        reasons=frozenset({"link", "voucher_demand", "short_deadline"}),
        conditions=frozenset({"vouchers", "links"}),
        verdicts=("public",),
    ),
    Case(
        "fr-targeted-dating-neosurf",
        """On s'est rencontrés sur Meetic et tu m'as envoyé tes photos intimes. J'ai fait des
captures d'écran de ton profil et de ta liste d'amis. Je sais où tu travailles. Si je ne
reçois pas 3 recharges Neosurf de 50€ d'ici demain, ton patron et tes collègues recevront tout.
Écris-moi : julie.martin.love@gmail.com""",
        "targeted_blackmail",
        payments=(("voucher", "Neosurf", None),),
        amounts=((50, "EUR"),),
        contacts=frozenset({("email", "julie.martin.love@gmail.com")}),
        reasons=frozenset(
            {"dating_site", "sent_images", "screenshots", "personal_details", "named_platform"}
        ),
        conditions=frozenset({"vouchers", "relatives"}),
    ),
    Case(
        "fr-targeted-iban-lookalike",
        f"""Bonsoir. Je possède la vidéo de notre appel Skype. Vire 1.500,00 € sur ce compte
{IBAN_FR_LOOKALIKE} (titulaire : K. Mensah) avant le 12/03/2026, sinon ta femme Sophie et tes
enfants la recevront. Instagram : @k.mensah_officiel""",
        "targeted_blackmail",
        payments=(("iban", IBAN_FR_LOOKALIKE, False),),
        amounts=((1500, "EUR"),),
        contacts=frozenset({("handle", "@k.mensah_officiel")}),
        reasons=frozenset({"video_call", "named_relatives"}),
        conditions=frozenset({"relatives"}),
    ),
    Case(
        "fr-targeted-removed-and-short-link",
        f"""Réponds-moi !!! J'ai posté ta vidéo ici {LINK_REMOVED} et je la remets ici
{LINK_SHORT_PRIVATE} si tu ne m'envoies pas 200 € en carte cadeau Amazon. Quand on s'est parlé
en cam tu t'es montré nu. Tes parents vont adorer.""",
        "targeted_blackmail",
        payments=(("voucher", "Amazon", None),),
        amounts=((200, "EUR"),),
        links=(LINK_REMOVED, LINK_SHORT_PRIVATE),
        reasons=frozenset({"link", "intimate_exchange", "already_posted"}),
        conditions=frozenset({"vouchers", "relatives", "links"}),
        verdicts=("removed", "private"),
    ),
    # ------------------------------------------------------------ targeted blackmail, English
    Case(
        "en-targeted-snapchat-nudes",
        f"""I have the nudes you sent me on Snapchat. I screenshotted your followers list too.
Send $300 to my Cash App or Bitcoin {BTC_P2PKH} in the next hour or I'm sending them to your mom,
your sister Emily and everyone at your school. Don't block me. Text me: +1 (415) 555-0199""",
        "targeted_blackmail",
        payments=(("bitcoin", BTC_P2PKH, True),),
        amounts=((300, "USD"),),
        contacts=frozenset({("phone", "+1 (415) 555-0199")}),
        reasons=frozenset({"sent_images", "followers_list", "named_relatives", "named_platform"}),
        conditions=frozenset({"wallet", "relatives"}),
    ),
    Case(
        "en-targeted-video-call-link",
        f"""Remember our video call on Instagram last night? You got naked and I recorded
everything. Here is the video: {LINK_PRIVATE} . Pay 500 dollars in Google Play gift cards or
your wife and your boss will see it. You have 2 hours.""",
        "targeted_blackmail",
        payments=(("voucher", "Google Play", None),),
        amounts=((500, "USD"),),
        links=(LINK_PRIVATE,),
        reasons=frozenset({"video_call", "intimate_exchange", "link", "relatives"}),
        conditions=frozenset({"vouchers", "relatives", "links"}),
        verdicts=("private",),
    ),
    Case(
        "en-targeted-trap-download",
        f"""We matched on Tinder and you showed me your body on cam. Download your video here
before I post it: {LINK_TRAP_DOWNLOAD} — then pay 150 EUR in USDT (TRC20) to {TRON} or your
friends on Facebook will get it tonight.""",
        "targeted_blackmail",
        payments=(("tron", TRON, True),),
        amounts=((150, "EUR"),),
        links=(LINK_TRAP_DOWNLOAD,),
        reasons=frozenset({"dating_site", "intimate_exchange", "link", "followers_list"}),
        conditions=frozenset({"wallet", "relatives", "links"}),
        verdicts=("suspicious",),
    ),
    Case(
        "en-targeted-tron-lookalike-dogecoin",
        f"""You know what you did during our Skype session. I kept the recording. Pay 2 000 DOGE...
no, make it $400: USDT to {TRON_LOOKALIKE} or Dogecoin to {DOGE}. Your girlfriend Jessica will
receive it on Friday otherwise. Telegram: @payme_now""",
        "targeted_blackmail",
        payments=(("tron", TRON_LOOKALIKE, False), ("dogecoin", DOGE, True)),
        amounts=((400, "USD"),),
        contacts=frozenset({("handle", "@payme_now")}),
        reasons=frozenset({"video_call", "named_relatives"}),
        conditions=frozenset({"wallet", "relatives"}),
    ),
    # ----------------------------------------------------------- harassment without payment
    Case(
        "fr-dating-harassment",
        """On a matché sur Tinder la semaine dernière. Je sais où tu habites et je connais ton
école. Si tu ne me renvoies pas d'autres photos, je publie celles que tu m'as envoyées sur ton
Instagram et je les montre à tes parents.""",
        "targeted_blackmail",
        reasons=frozenset({"personal_details", "sent_images", "named_platform"}),
        conditions=frozenset({"relatives"}),
    ),
    Case(
        "en-targeted-instagram-nudes-sms",
        "hey i have your nudes. send $500 via cashapp or i post them on your ig and tag your "
        "whole family. you have 10 minutes. dont try anything",
        "targeted_blackmail",
        amounts=((500, "USD"),),
        reasons=frozenset({"sent_images", "short_deadline", "relatives"}),
        conditions=frozenset({"relatives"}),
    ),
    Case(
        "en-targeted-bumble-segwit",
        f"""We chatted on Bumble and you sent me photos. I know where you work. Pay 0.01 BTC to
{BTC_SEGWIT} or your employer gets them.""",
        "targeted_blackmail",
        payments=(("bitcoin", BTC_SEGWIT, True),),
        amounts=((0.01, "BTC"),),
        reasons=frozenset({"sent_images", "personal_details", "dating_site"}),
        conditions=frozenset({"wallet", "relatives"}),
    ),
    # ------------------------------------------------------------------------- not blackmail
    Case(
        "fr-parcel-phishing",
        "Bonjour, votre colis est en attente. Payez 1,99 € de frais de livraison ici : "
        "https://videos.example.com/ok sous 24 heures.",
        "unknown",
        amounts=((1.99, "EUR"),),
        links=("https://videos.example.com/ok",),
        conditions=frozenset({"links"}),
        verdicts=("unknown",),  # the fake answers a page without video evidence
    ),
    Case(
        "fr-ordinary",
        "Coucou ! On se retrouve demain à 18 h devant le cinéma ? Ma sœur vient aussi. Bisous",
        "unknown",
        conditions=frozenset(),
    ),
    Case(
        "en-invoice",
        f"""Hi Anna, please find the invoice for March attached. The total is €1,250.00, payable by
bank transfer to {IBAN_BE} within 30 days. Best regards, Marc""",
        "unknown",
        payments=(("iban", IBAN_BE, True),),
        amounts=((1250, "EUR"),),
        conditions=frozenset({"wallet"}),
    ),
    Case(
        "en-only-a-link",
        f"look at this {LINK_PUBLIC}",
        "unknown",
        links=(LINK_PUBLIC,),
        conditions=frozenset({"links"}),
        verdicts=("public",),
    ),
)
